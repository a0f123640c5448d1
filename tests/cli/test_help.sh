# Every verb's --help documents every long option its source declares (the
# getopt table of toolkit/bin/cmd_<verb>.c), gives an example, ends with the
# exit statuses, and exits 0; an unknown option exits 2.
. tests/cli/tap.sh
S=$SHANG
T=$SHANG_TEST_TMP
verbs=$($S --help | awk '/^Verbs:/{v=1; next} v && /^  [a-z]/{print $1} v && /^$/{v=0}')
for v in $verbs; do
    src=toolkit/bin/cmd_$(echo "$v" | tr - _).c
    check "$v --help" 0 $S "$v" --help
    cp "$out" "$T/help.txt"
    missing=""
    for o in $(grep -o '{"[a-z0-9-]*", *\(no\|required\|optional\)_argument' "$src" | sed 's/{"\([a-z0-9-]*\)".*/\1/'); do
        grep -q -- "--$o" "$T/help.txt" || missing="$missing --$o"
    done
    if [ -z "$missing" ]; then ok "$v --help documents every option"; else notok "$v --help documents every option" "undocumented:$missing"; fi
    contains "$v --help lists the exit statuses" "$T/help.txt" "Exit status"
    contains "$v --help gives an example" "$T/help.txt" "Example"
    check "$v with an unknown option exits 2" 2 $S "$v" --no-such-option
done
echo "1..$n"
