#!/bin/sh
# Fails when the sources read a configuration option that
# docs/configuration.md does not list (a `key` in the table of its section).
cd "$(dirname "$0")/.."
tools/config-options.sh | while read -r section key; do
	sec=$(echo "$section" | tr -d '[]')
	# the section's part of the page: from its heading to the next one
	if ! awk -v s="## [$sec]" 'index($0, s) == 1 {on = 1; next} /^## / {on = 0} on' \
		docs/configuration.md | grep -q "^| \`$key\` |"; then
		echo "docs/configuration.md: [$sec] $key is read by the sources but not documented"
		echo x
	fi
done | { out=$(cat); [ -z "$out" ] && exit 0; echo "$out" | grep -v '^x$'; exit 1; }
