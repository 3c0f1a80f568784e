# SPDX-License-Identifier: GPL-2.0-or-later
#
# The VM tier: the emulator plugged into a real kernel (Debian's, under
# qemu) over USB/IP. Not part of `make check` (it downloads a kernel and
# boots a VM): `make check-vm` runs it through the same TAP driver and
# prints automake's summary lines, so tests/run-all counts it.
check_PROGRAMS += tests/vm/mpssed-usbip
tests_vm_mpssed_usbip_SOURCES = tests/vm/mpssed-usbip.c
tests_vm_mpssed_usbip_LDADD = src/usbip/libusbip.la

EXTRA_DIST += \
	tests/vm/README.md \
	tests/vm/check-vm.sh \
	tests/vm/fetch-kernel.sh \
	tests/vm/guest-init.sh \
	tests/vm/scenarios.sh

VM_LOG = tests/vm/check-vm.log
VM_TRS = tests/vm/check-vm.trs

check-vm: src/daemon/mpssed$(EXEEXT) tools/mpssectl$(EXEEXT) tests/vm/mpssed-usbip$(EXEEXT)
	@$(MKDIR_P) tests/vm
	@rm -f $(VM_LOG) $(VM_TRS)
	@$(TESTS_ENVIRONMENT) $(LOG_DRIVER) --test-name tests/vm/check-vm.sh \
		--log-file $(VM_LOG) --trs-file $(VM_TRS) --color-tests no \
		--enable-hard-errors yes --expect-failure no -- \
		$(SHELL) $(srcdir)/tests/vm/check-vm.sh
	@grep '^bench: ' $(VM_LOG) || true
	@p=`grep -c '^:test-result: PASS' $(VM_TRS)`; \
	 s=`grep -c '^:test-result: SKIP' $(VM_TRS)`; \
	 f=`grep -c '^:test-result: FAIL' $(VM_TRS)`; \
	 x=`grep -c '^:test-result: XPASS' $(VM_TRS)`; \
	 e=`grep -c '^:test-result: ERROR' $(VM_TRS)`; \
	 echo "# TOTAL: `expr $$p + $$s + $$f + $$x + $$e`"; \
	 echo "# PASS:  $$p"; echo "# SKIP:  $$s"; echo "# XFAIL: 0"; \
	 echo "# FAIL:  $$f"; echo "# XPASS: $$x"; echo "# ERROR: $$e"; \
	 test "$$f$$x$$e" = 000
.PHONY: check-vm
CLEANFILES += $(VM_LOG) $(VM_TRS)
# tests/vm/work (the initramfs tree, the boot logs) is replaced by every
# run; no clean-local hook here, so other modules can own that target.
