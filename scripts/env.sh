# Sourced by the other scripts: a project virtualenv in .venv with Sextant and the given extras installed.
# Usage: source scripts/env.sh [EXTRAS]   (EXTRAS like "test" or "test,postgres")
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SEXTANT_VENV:-$root/.venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
fi
extras="${1:-}"
case ",$extras," in
  *,all,*|*,test,*|*,translate,*|*,speech,*) "$root/scripts/system-packages" ;;
esac
stamp="$venv/.sextant-installed-${extras:-base}"
if [ ! -f "$stamp" ] || [ "$root/pyproject.toml" -nt "$stamp" ]; then
  "$venv/bin/python" -m pip install -q -e "$root${extras:+[$extras]}"
  case ",$extras," in
    # Transcribe's speaker encoder uses only the weights file of this wheel (hash-checked at load); its
    # declared dependencies (webrtcvad built from source, librosa, the old typing backport) are not needed
    *,all,*|*,test,*|*,speech,*) "$venv/bin/python" -m pip install -q --no-deps "resemblyzer==0.1.4" ;;
  esac
  touch "$stamp"
fi
export PATH="$venv/bin:$PATH"
cd "$root"
