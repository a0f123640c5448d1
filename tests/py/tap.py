"""TAP output for the Python oracle tests: check(name, cond, detail) prints
"ok N - name" or "not ok N - name"; done() prints the plan and exits 1 on any
failure."""
import sys

_n = 0
_failed = 0


def check(name, cond, detail=""):
    global _n, _failed
    _n += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (_n, name))
    if not cond:
        _failed += 1
        print("# %s" % (detail,))
    return cond


def skip(name, reason):
    """A test that cannot run here: tests/run counts it apart, never as a pass."""
    global _n
    _n += 1
    print("ok %d - %s # SKIP %s" % (_n, name, reason))


def done():
    print("1..%d" % _n)
    sys.exit(1 if _failed else 0)
