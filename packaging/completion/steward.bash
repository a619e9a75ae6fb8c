# shellcheck shell=bash
# Completion of the steward command for bash. The .deb installs it as /usr/share/bash-completion/completions/steward,
# which bash-completion sources the first time "steward" is completed; from the tarball: source completion/steward.bash.
# The script itself comes from the installed command, so that it knows the commands of the installed plugins; it costs
# one JVM start, once per shell.
if command -v steward >/dev/null 2>&1; then
    eval "$(steward completion 2>/dev/null)"
fi
