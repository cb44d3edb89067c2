# stackd: `make` builds build/stackd; `make run` serves a cloud; `make check`
# runs every test. `make deps` installs what a fresh Debian 12 lacks.

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
CPPFLAGS := -Isrc -D_GNU_SOURCE $(shell pkg-config --cflags libmicrohttpd jansson libsodium sqlite3 libcrypto 2>/dev/null)
LDLIBS  := $(shell pkg-config --libs libmicrohttpd jansson libsodium sqlite3 libcrypto 2>/dev/null) -luuid -lpthread -lm -lz -lbz2
STD     := -std=gnu11

# Every Debian package the build, the tests and the services need.
DEB_PACKAGES := build-essential pkg-config clang libclang-rt-14-dev clang-format \
	libmicrohttpd-dev libjansson-dev libsodium-dev libsqlite3-dev uuid-dev libcurl4-openssl-dev libssl-dev \
	python3-openstackclient python3-openstacksdk python3-pytest python3-swiftclient \
	python3-glanceclient python3-requests python3-websocket novnc wrk curl iproute2 nftables dnsmasq-base \
	qemu-system-x86 qemu-utils openssh-client procps iputils-ping iperf3 \
	syslinux syslinux-common mtools dosfstools cpio kmod genisoimage python3-tempest conntrack radvd \
	zlib1g-dev libbz2-dev

SRC_ALL   := $(shell find src -name '*.c' | sort)
SRC_LIB   := $(filter-out src/main.c,$(SRC_ALL))
SCHEMAS   := $(sort $(dir $(wildcard src/*/schema/*.sql)))
SCHEMA_SVCS := $(patsubst src/%/schema/,%,$(SCHEMAS))

# Two build flavours: plain (build/) and sanitized (build/san/).
B ?= build
ifeq ($(SAN),1)
B := build/san
CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

GEN_SRC  := $(patsubst %,$(B)/gen/%_schema.c,$(SCHEMA_SVCS))
OBJ_LIB  := $(patsubst src/%.c,$(B)/obj/%.o,$(SRC_LIB)) $(patsubst %.c,%.o,$(GEN_SRC))
OBJ_MAIN := $(B)/obj/main.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))

.PHONY: all deps run check check-unit check-functional check-style check-fuzz \
	check-acceptance format clean guest-image bench

all: $(B)/stackd

$(B)/stackd: $(OBJ_LIB) $(OBJ_MAIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(B)/gen/%_schema.c: $(wildcard src/*/schema/*.sql) tools/embed-schema.sh
	@mkdir -p $(dir $@)
	sh tools/embed-schema.sh $* src/$*/schema > $@.tmp && mv $@.tmp $@

$(B)/gen/%.o: $(B)/gen/%.c
	$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

$(B)/tests/%: tests/unit/%.c $(OBJ_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		if [ $$(id -u) -ne 0 ]; then SUDO=sudo; fi; \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi

run: deps
	@$(MAKE) -s all
	@mkdir -p var
	@echo "export OS_CLIENT_CONFIG_FILE=$(CURDIR)/var/clouds.yaml"
	@echo "openstack --os-cloud stackd token issue"
	exec build/stackd serve --data-dir var --listen 127.0.0.1:5000

check-unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

check-functional: $(B)/stackd
	STACKD_BIN=$(CURDIR)/$(B)/stackd /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/functional

check-style:
	@clang-format --dry-run -Werror $$(find src tests/unit -name '*.[ch]')
	@sh tools/check-config-docs.sh

format:
	clang-format -i $$(find src tests/unit -name '*.[ch]')

check-fuzz:
	@sh tests/fuzz/run.sh

check-acceptance: all
	@sh tests/acceptance.sh

# make check: plain and sanitized builds side by side on the two cores.
check: deps
	@$(MAKE) -s check-style
	@$(MAKE) -j2 all
	@$(MAKE) -j2 SAN=1 all
	@$(MAKE) -s check-unit
	@$(MAKE) -s SAN=1 check-unit
	@$(MAKE) -s guest-image
	@sh tests/run-functional.sh
	@$(MAKE) -s check-fuzz

guest-image:
	@sh tools/guest-image.sh build/guest

clean:
	rm -rf build
