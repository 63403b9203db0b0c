# kunit.py --qemu_config for the arm64 sanitizer kernel that looks for
# leaks after the suites: kunit_shutdown=none lets the kernel go on to the
# initramfs that harness/sanitize builds (BOUNCE_INITRD), whose /lab/run
# has kmemleak scan, prints its report and powers off.
from ..qemu_config import QemuArchParams
import os

QEMU_ARCH = QemuArchParams(linux_arch='arm64',
			   kconfig='''
CONFIG_SERIAL_AMBA_PL011=y
CONFIG_SERIAL_AMBA_PL011_CONSOLE=y
CONFIG_BLK_DEV_INITRD=y
CONFIG_RD_GZIP=y
CONFIG_DEVTMPFS=y
CONFIG_TMPFS=y
CONFIG_BINFMT_ELF=y
CONFIG_BINFMT_SCRIPT=y''',
			   qemu_arch='aarch64',
			   kernel_path='arch/arm64/boot/Image.gz',
			   kernel_command_line='console=ttyAMA0 kunit_shutdown=none',
			   extra_qemu_params=['-machine', 'virt', '-cpu', 'max',
					      '-initrd', os.environ['BOUNCE_INITRD']])
