#!/bin/sh
# Print the path of a Python >= 3.12 that actually runs: python3.13 or python3.12 on PATH,
# else pyenv's installed versions; exit 1 with a clear message if none is found.
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
for candidate in python3.13 python3.12 python3; do
    path=$(command -v "$candidate" 2>/dev/null) || continue
    if ok "$path"; then
        "$path" -c 'import sys; print(sys.executable)'
        exit 0
    fi
done
for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python3 \
                 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3; do
    if [ -x "$candidate" ] && ok "$candidate"; then
        echo "$candidate"
        exit 0
    fi
done
echo "greyzone needs Python >= 3.12: none found (tried python3.13, python3.12, python3 and ~/.pyenv/versions/3.1[23]*). Install one and retry." >&2
exit 1
