// The JobQueue module; see ../shared/DESIGN.md for its job.
