// The Imaging module; see ../shared/DESIGN.md for its job.
import CTIFF
