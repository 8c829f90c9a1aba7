// The Analysis module; see ../shared/DESIGN.md for its job.
