#!/bin/sh
# Lists the `[section] key` of every configuration option the sources read
# with a literal section and key (config_get*, and network's cfg_str), one
# per line, sorted. tools/check-config-docs.sh compares it with
# docs/configuration.md.
cd "$(dirname "$0")/.."
{
	grep -rhoE 'config_get(_int|_bool)?\([a-z_>-]+, "[a-z_]+", "[a-z0-9_]+"' src |
		sed -E 's/.*"([a-z_]+)", "([a-z0-9_]+)"$/[\1] \2/'
	grep -rhoE 'cfg_str\(cfg, "[a-z0-9_]+"' src/network |
		sed -E 's/.*"([a-z0-9_]+)"$/[network] \1/'
} | sort -u
