#!/bin/bash
# Runs a command on a machine where perl does not exist: inside a private mount namespace (run this script with
# `unshare --mount --propagation private`, as root), /usr/bin (which /bin links to on a merged-/usr system) is
# replaced by a tmpfs holding links to every program of the real /usr/bin except perl and its relatives.
# Nothing outside the namespace changes, and the mounts vanish with its last process.
# Usage: without-perl.sh WORK_DIR COMMAND [ARG...]
set -euo pipefail
work=$1
shift
real="$work/real-usr-bin"
mkdir -p "$real"
mount --bind /usr/bin "$real"
mount -t tmpfs -o size=4m,mode=0755 without-perl /usr/bin
for program in "$real"/*; do
    name=${program##*/}
    case $name in
        perl*|cpan*|pod2*|prove|h2xs|instmodsh|libnetcfg|piconv|pl2pm|splain|xsubpp|enc2xs|encguess|zipdetails|corelist|ptar*|shasum|streamzip|json_pp|h2ph|pstruct|c2ph|ptargrep) ;;
        *) "$real/ln" -s "$program" "/usr/bin/$name" ;;
    esac
done
for gone in /usr/bin/perl /bin/perl /usr/local/bin/perl; do
    if [ -e "$gone" ]; then
        echo "without-perl: $gone still exists" >&2
        exit 90
    fi
done
if command -v perl > /dev/null 2>&1; then
    echo "without-perl: perl is still on the PATH: $(command -v perl)" >&2
    exit 91
fi
echo "without-perl: no perl on this machine now"
exec "$@"
