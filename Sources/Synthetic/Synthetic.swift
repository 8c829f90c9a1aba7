// The Synthetic module; see ../shared/DESIGN.md for its job.
