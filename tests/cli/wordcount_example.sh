#!/usr/bin/env bash
# wordcount_example.sh: examples/wordcount.c compiles against the public headers and libtidal
# alone, and its output matches `tr | sort | uniq -c`.
set -euo pipefail
src=${TIDAL_SOURCE_DIR:?}
build=${TIDAL_BUILD_DIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C
flags=()
case "$(grep -s '^TIDAL_SANITIZE:' "$build/CMakeCache.txt" | cut -d= -f2)" in
  address) flags=(-fsanitize=address,undefined) ;;
  thread) flags=(-fsanitize=thread) ;;
esac
cc -std=c11 -Wall -Wextra -Werror "${flags[@]}" -I"$src/include" -I"$build/include" \
  "$src/examples/wordcount.c" "$build/libtidal.a" -lxxhash -lpthread -ldl -lm -o "$tmp/wordcount"
"$tmp/wordcount" > "$tmp/got"
printf 'brown\t1\ndog\t2\nfox\t1\njumps\t1\nlazy\t1\nover\t1\nquick\t1\nsleeps\t1\nthe\t3\n' > "$tmp/want"
cmp "$tmp/got" "$tmp/want" || { diff "$tmp/got" "$tmp/want"; exit 1; }
head -n 300 "$src/corpus/words.txt" > "$tmp/in"
"$tmp/wordcount" "$tmp/in" > "$tmp/got"
tr -s ' \n' '\n' < "$tmp/in" | grep -v '^$' | sort | uniq -c | awk '{print $2 "\t" $1}' > "$tmp/want"
cmp "$tmp/got" "$tmp/want" || { echo "example differs on the corpus slice"; exit 1; }
echo ok
