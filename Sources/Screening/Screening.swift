// The Screening module; see ../shared/DESIGN.md for its job.
