#!/usr/bin/env bash
# Install, with apt-get, the system packages that `make test` needs and a fresh machine lacks.
#
#   scripts/install-system-deps.sh [git|make|venv|chromium|node|npm|pdf|poppler ...]
#                                                                     (default: all of them)
#
# git and make run everything; venv: python3-venv (Debian's python3 has no ensurepip, so
# `python3 -m venv .venv` fails without it); chromium: Debian's /usr/bin/chromium, which the
# browser tests drive through Playwright (never a downloaded browser); node: Node.js, which runs
# the PR workflow's comment script in tests/test_workflows.py; npm: installs axe-core (pinned in
# tests/a11y/package-lock.json) for the accessibility test (Debian ships it apart from nodejs);
# pdf: what WeasyPrint needs to make the PDF of each version (Pango, HarfBuzz's subsetter) and
# the DejaVu fonts the PDFs embed;
# poppler: poppler-utils (pdftotext, pdfinfo, pdftoppm), with which the tests read the PDFs.
#
# Checks first and does nothing when everything is there (the Makefile runs it on every
# `make test`). Installs as root directly, else through `sudo -n` when sudo works without a
# password; otherwise exits 1 with the one command to run. PYTHON names the interpreter that
# builds .venv (default python3), as in the Makefile.
set -euo pipefail

python=${PYTHON:-python3}
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(git make venv chromium node npm pdf poppler)
libs=${LIBDIR_GLOB:-/usr/lib/*-linux-gnu}  # Debian's multiarch library folders
fonts=${FONT_DIR:-/usr/share/fonts/truetype/dejavu}

has_lib() { compgen -G "$libs/$1" >/dev/null; }

missing=()
for need in "${wanted[@]}"; do
  case $need in
    git) command -v git >/dev/null || missing+=(git) ;;
    make) command -v make >/dev/null || missing+=(make) ;;
    venv) "$python" -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv) ;;
    chromium) [ -x /usr/bin/chromium ] || missing+=(chromium) ;;
    node) command -v node >/dev/null || missing+=(nodejs) ;;
    npm) command -v npm >/dev/null || missing+=(npm) ;;
    pdf)
      has_lib libpango-1.0.so.0 || missing+=(libpango-1.0-0)
      has_lib libpangoft2-1.0.so.0 || missing+=(libpangoft2-1.0-0)
      has_lib libharfbuzz-subset.so.0 || missing+=(libharfbuzz-subset0)
      [ -f "$fonts/DejaVuSerif.ttf" ] || missing+=(fonts-dejavu-core)
      ;;
    poppler) command -v pdftotext >/dev/null || missing+=(poppler-utils) ;;
    *)
      echo "install-system-deps: unknown name '$need'" \
        "(use git, make, venv, chromium, node, npm, pdf, poppler)" >&2
      exit 2
      ;;
  esac
done
[ ${#missing[@]} -gt 0 ] || exit 0

if ! command -v apt-get >/dev/null; then
  echo "policysite needs these packages, which are missing: ${missing[*]}." >&2
  echo "There is no apt-get here: install them with this system's package manager." >&2
  exit 1
fi
command_line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  as_root=(env)
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n env)
else
  echo "policysite needs these Debian packages, which are missing: ${missing[*]}." >&2
  echo "This is not root and sudo does not work without a password; as root, run:" >&2
  echo "  $command_line" >&2
  exit 1
fi

echo "install-system-deps: installing ${missing[*]} with apt-get" >&2
"${as_root[@]}" DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends "${missing[@]}"

if [[ " ${missing[*]} " == *" python3-venv "* ]] &&
  ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "python3-venv is installed, but $python still has no ensurepip:" >&2
  echo "set PYTHON to an interpreter with venv support (e.g. make PYTHON=/usr/bin/python3)." >&2
  exit 1
fi
