// The NeuralNet module; see ../shared/DESIGN.md for its job.
import COpenBLAS
