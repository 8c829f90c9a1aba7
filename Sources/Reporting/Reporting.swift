// The Reporting module; see ../shared/DESIGN.md for its job.
