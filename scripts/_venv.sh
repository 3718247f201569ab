# Shared by scripts/demo and scripts/test (sourced, not run): make sure .venv exists and has
# this checkout installed with the given extras. Repeat runs skip pip entirely while
# pyproject.toml is unchanged, so the commands start in well under a second.

# ensure_venv EXTRAS: EXTRAS is "" for the app alone or e.g. "[dev]".
ensure_venv() {
    local extras="$1"
    local python="${PYTHON:-python3}"
    local stamp=".venv/.buurt-install-stamp"
    local wanted
    wanted="$(sha256sum pyproject.toml | cut -d' ' -f1) ${extras}"

    if [[ ! -x .venv/bin/python ]]; then
        echo "==> Creating .venv with $("$python" --version 2>&1)"
        if ! "$python" -m venv .venv; then
            # Debian's python3 ships without ensurepip; python3-venv brings it back.
            rm -rf .venv
            if [[ "$(id -u)" -ne 0 ]]; then
                echo "error: '$python -m venv' failed; install python3-venv (as root: apt-get install -y python3-venv)" >&2
                exit 1
            fi
            echo "==> Installing python3-venv"
            DEBIAN_FRONTEND=noninteractive apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
            "$python" -m venv .venv
        fi
    fi

    # A stamp covering a superset of the extras would do too, but "[dev]" is the only superset
    # there is; keep the rule simple: same pyproject and the stamp's extras include ours.
    if [[ -f "$stamp" ]]; then
        local have
        have="$(cat "$stamp")"
        if [[ "$have" == "$wanted" || ( -z "$extras" && "${have%% *}" == "${wanted%% *}" ) ]]; then
            return 0
        fi
    fi

    echo "==> Installing buurt${extras} into .venv"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}"
    echo "$wanted" >"$stamp"
}
