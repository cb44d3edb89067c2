#!/bin/sh
# Builds the tiny test guest, OUT/tiny.qcow2, from Debian packages only: the
# cloud kernel, busybox-static and dropbear, fetched with `apt-get download`.
# The disk is a FAT "superfloppy" made on a plain file (mkfs.vfat, syslinux,
# mcopy: no loop mounts) holding the kernel and an initramfs whose init is
# tools/guest/init.rc. Downloads are cached in OUT/debs; a finished image newer
# than its inputs is kept as it is.
# Usage: sh tools/guest-image.sh [OUT]   (default build/guest)
set -eu

OUT=${1:-build/guest}
HERE=$(cd "$(dirname "$0")" && pwd)
GUEST=$HERE/guest
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
IMG=$OUT/tiny.qcow2

say() { printf 'guest-image: %s\n' "$*" >&2; }

if [ -f "$IMG" ] && [ -z "$(find "$HERE/guest-image.sh" "$GUEST" -newer "$IMG" 2>/dev/null)" ]; then
	say "$IMG is up to date"
	exit 0
fi

for tool in apt-get dpkg-deb mkfs.vfat syslinux mcopy cpio depmod modprobe qemu-img; do
	command -v "$tool" >/dev/null 2>&1 || PATH=$PATH:/sbin:/usr/sbin
	command -v "$tool" >/dev/null 2>&1 || { say "missing $tool (run make deps)"; exit 1; }
done

# --- packages (downloaded once) ---
DEBS=$OUT/debs
mkdir -p "$DEBS"
have() { ls "$DEBS/$1"_*.deb >/dev/null 2>&1; }
KPKG=$(ls "$DEBS" 2>/dev/null | sed -n 's/^\(linux-image-[0-9].*-cloud-amd64\)_.*\.deb$/\1/p' | head -n 1)
if [ -z "$KPKG" ]; then
	# The metapackage only depends on the versioned kernel package.
	resolve() {
		apt-cache depends linux-image-cloud-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n 1
	}
	KPKG=$(resolve)
	if [ -z "$KPKG" ]; then
		say "apt knows no linux-image-cloud-amd64 yet: apt-get update"
		apt-get update -q >/dev/null 2>&1 || true
		KPKG=$(resolve)
	fi
	[ -n "$KPKG" ] || { say "cannot resolve linux-image-cloud-amd64 (apt-get update?)"; exit 1; }
fi
need=""
for p in "$KPKG" busybox-static dropbear-bin libtomcrypt1 libtommath1 libc6 libcrypt1 zlib1g libgmp10; do
	have "$p" || need="$need $p"
done
if [ -n "$need" ]; then
	say "downloading$need"
	# _apt cannot write into a root-owned build tree: download in a temp dir it can use.
	tmpd=$(mktemp -d)
	chmod 777 "$tmpd"
	(cd "$tmpd" && apt-get download -q $need >/dev/null 2>&1) || (cd "$tmpd" && apt-get download $need)
	mv "$tmpd"/*.deb "$DEBS"/
	rmdir "$tmpd"
fi

# --- unpack ---
WORK=$OUT/work
[ -n "${GUEST_KEEP_WORK:-}" ] || rm -rf "$WORK"
mkdir -p "$WORK/pkg" "$WORK/root"
for d in "$DEBS"/*.deb; do dpkg-deb -x "$d" "$WORK/pkg"; done
PKG=$WORK/pkg
KVER=$(ls "$PKG/lib/modules" | head -n 1)
ROOT=$WORK/root

# --- initramfs tree ---
mkdir -p "$ROOT/bin" "$ROOT/sbin" "$ROOT/usr/bin" "$ROOT/usr/sbin" "$ROOT/etc/acpi/PWRF" \
	"$ROOT/proc" "$ROOT/sys" "$ROOT/dev" "$ROOT/root" "$ROOT/tmp" "$ROOT/run" "$ROOT/lib64" \
	"$ROOT/lib/x86_64-linux-gnu" "$ROOT/var/log" "$ROOT/mnt"
cp "$PKG/bin/busybox" "$ROOT/bin/busybox"
for applet in $("$ROOT/bin/busybox" --list-full); do
	[ -e "$ROOT/$applet" ] || ln -s /bin/busybox "$ROOT/$applet"
done
cp "$GUEST/init" "$ROOT/init"
chmod 755 "$ROOT/init"
cp "$PKG/usr/sbin/dropbear" "$ROOT/usr/sbin/"
cp "$PKG/usr/bin/dropbearkey" "$ROOT/usr/bin/"
# Shared libraries of dropbear, preferring the unpacked Debian packages.
LIBPATH=$PKG/lib/x86_64-linux-gnu:$PKG/usr/lib/x86_64-linux-gnu
for bin in "$ROOT/usr/sbin/dropbear" "$ROOT/usr/bin/dropbearkey"; do
	LD_LIBRARY_PATH=$LIBPATH ldd "$bin" | awk '/=> \// {print $3} /^\t\/lib64/ {print $1}'
done | sort -u | while read -r lib; do
	case $lib in
	/lib64/*) cp -L "$PKG/lib/x86_64-linux-gnu/$(basename "$(readlink -f "$PKG$lib" || echo "$lib")")" "$ROOT/lib64/$(basename "$lib")" 2>/dev/null ||
		cp -L "$lib" "$ROOT/lib64/" ;;
	*) cp -L "$lib" "$ROOT/lib/x86_64-linux-gnu/" ;;
	esac
done
cp "$GUEST/init.rc" "$ROOT/etc/init.rc"
cp "$GUEST/udhcpc.script" "$ROOT/etc/udhcpc.script"
cp "$GUEST/inittab" "$ROOT/etc/inittab"
cp "$GUEST/acpi-power" "$ROOT/etc/acpi/PWRF/00000080"
chmod 755 "$ROOT/etc/init.rc" "$ROOT/etc/udhcpc.script" "$ROOT/etc/acpi/PWRF/00000080"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$ROOT/etc/passwd"
printf 'root:*:19000:0:99999:7:::\n' >"$ROOT/etc/shadow"
printf 'root:x:0:\n' >"$ROOT/etc/group"
printf '/bin/sh\n' >"$ROOT/etc/shells"
printf 'tiny\n' >"$ROOT/etc/hostname"

# Kernel modules: the virtio drivers, isofs (config drive), the ACPI power
# button, each with what it depends on, and a modules.dep for modprobe.
depmod -b "$PKG" "$KVER"
for m in virtio_pci virtio_blk virtio_net isofs button evdev; do
	modprobe -d "$PKG" -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
done | sort -u | while read -r ko; do
	rel=${ko#"$PKG"/}
	mkdir -p "$ROOT/$(dirname "$rel")"
	cp "$ko" "$ROOT/$rel"
done
cp "$PKG/lib/modules/$KVER/modules.builtin" "$PKG/lib/modules/$KVER/modules.builtin.modinfo" "$PKG/lib/modules/$KVER/modules.order" "$ROOT/lib/modules/$KVER/"
depmod -b "$ROOT" "$KVER"
chmod 755 "$ROOT" "$ROOT/root"

(cd "$ROOT" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 >"$WORK/initrd.img"

# --- the FAT superfloppy ---
kernel=$PKG/boot/vmlinuz-$KVER
size_kb=$((($(stat -c %s "$kernel") + $(stat -c %s "$WORK/initrd.img")) / 1024 + 2048))
rm -f "$WORK/disk.raw"
mkfs.vfat -n TINYGUEST -C "$WORK/disk.raw" "$size_kb" >/dev/null
syslinux --install "$WORK/disk.raw"
mcopy -i "$WORK/disk.raw" "$kernel" ::vmlinuz
mcopy -i "$WORK/disk.raw" "$WORK/initrd.img" ::initrd.img
mcopy -i "$WORK/disk.raw" "$GUEST/syslinux.cfg" ::syslinux.cfg
qemu-img convert -q -f raw -O qcow2 "$WORK/disk.raw" "$IMG.tmp"
mv "$IMG.tmp" "$IMG"
[ -n "${GUEST_KEEP_WORK:-}" ] || rm -rf "$WORK"
say "built $IMG ($(du -k "$IMG" | cut -f1) KB, kernel $KVER)"
