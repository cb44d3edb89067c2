#!/bin/sh
# Builds the libFuzzer target (tests/fuzz/fuzz_request.c) with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer over src/core and
# src/identity (what the request path it drives needs), then runs it for
# FUZZ_SECONDS (default 60) from the corpus.
set -eu
cd "$(dirname "$0")/../.."
OUT=build/fuzz
SECS=${FUZZ_SECONDS:-60}
PKGS="libmicrohttpd jansson libsodium sqlite3 libcrypto"
CFLAGS="-std=gnu11 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -Isrc -D_GNU_SOURCE $(pkg-config --cflags $PKGS)"
mkdir -p $OUT/obj $OUT/gen $OUT/corpus
sh tools/embed-schema.sh identity src/identity/schema >$OUT/gen/identity_schema.c.tmp
cmp -s $OUT/gen/identity_schema.c.tmp $OUT/gen/identity_schema.c ||
	mv $OUT/gen/identity_schema.c.tmp $OUT/gen/identity_schema.c
# Compile in parallel, only what changed.
find src/core src/identity -name '*.c' | sort >$OUT/sources
echo $OUT/gen/identity_schema.c >>$OUT/sources
while read -r src; do
	obj=$OUT/obj/$(echo "$src" | tr / _).o
	if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find src -name '*.h' -newer "$obj" | head -n 1)" ]; then
		echo "$src $obj"
	fi
done <$OUT/sources | xargs -r -n 2 -P "$(nproc)" sh -c 'clang '"$CFLAGS"' -c -o "$1" "$0"'
clang $CFLAGS -fsanitize=fuzzer -o $OUT/fuzz_request tests/fuzz/fuzz_request.c \
	$(sed "s|/|_|g; s|^|$OUT/obj/|; s|\$|.o|" $OUT/sources) \
	$(pkg-config --libs $PKGS) -luuid -lpthread -lm
cp tests/fuzz/corpus/* $OUT/corpus/ 2>/dev/null || true
echo "== fuzzing the request path for ${SECS}s"
STACKD_FUZZ_DIR=$(mktemp -d /tmp/stackd-fuzz.XXXXXX)
export STACKD_FUZZ_DIR
trap 'rm -rf "$STACKD_FUZZ_DIR"' EXIT
$OUT/fuzz_request -max_total_time="$SECS" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -dict=tests/fuzz/request.dict -artifact_prefix=$OUT/ $OUT/corpus 2>$OUT/fuzz.log || { tail -n 60 $OUT/fuzz.log; exit 1; }
tail -n 12 $OUT/fuzz.log
# The websocket relay (core/websocket.c), briefly.
clang $CFLAGS -fsanitize=fuzzer -o $OUT/fuzz_websocket tests/fuzz/fuzz_websocket.c \
	$(sed "s|/|_|g; s|^|$OUT/obj/|; s|\$|.o|" $OUT/sources) \
	$(pkg-config --libs $PKGS) -luuid -lpthread -lm
mkdir -p $OUT/corpus-ws
echo "== fuzzing the websocket relay for $((SECS / 4 + 1))s"
$OUT/fuzz_websocket -max_total_time=$((SECS / 4 + 1)) -max_len=70000 -timeout=10 \
	-print_final_stats=1 -artifact_prefix=$OUT/ws- $OUT/corpus-ws 2>$OUT/fuzz-ws.log || { tail -n 60 $OUT/fuzz-ws.log; exit 1; }
tail -n 4 $OUT/fuzz-ws.log
