# Sourced by the scripts beside it: makes .venv-independent/ (git-ignored) at the repository root on first use
# and sets $py to its python. Needs PyPI the first time for numpy, scipy, tifffile and imagecodecs (LZW).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
venv="$root/.venv-independent"
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv" >&2
fi
if ! "$venv/bin/python" -c "import numpy, scipy, tifffile, imagecodecs" 2>/dev/null; then
    echo "independent: installing numpy scipy tifffile imagecodecs into .venv-independent" >&2
    "$venv/bin/pip" install -q numpy scipy tifffile imagecodecs >&2
fi
py="$venv/bin/python"
