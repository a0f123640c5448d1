"""h5py (Debian python3-h5py) reads what shang's library writes: the fixture left
by the test_h5 unit test in $SHANG_TEST_TMP. An independent reader, so a layout
only shang can read fails here. Prints TAP."""
import os
import sys

from tap import check, done


try:
    import h5py
    import numpy as np
except ImportError as e:  # the oracle is required: make deps installs it
    check("import h5py/numpy", False, e)
    done()

path = os.path.join(os.environ.get("SHANG_TEST_TMP", "/tmp"), "fixture.h5")
with h5py.File(path, "r") as f:
    check("root format", f.attrs["shang_format"] == "shang.test", f.attrs.get("shang_format"))
    check("root version", int(f.attrs["shang_format_version"]) == 1)
    x = f["x"][...]
    check("float32 dataset dtype", x.dtype == np.float32, x.dtype)
    check("float32 values", np.array_equal(x, 0.5 * np.arange(12, dtype=np.float32).reshape(4, 3)), x)
    check("dims attribute", list(f["x"].attrs["dims"]) == ["N", "C"], f["x"].attrs["dims"])
    check("description attribute", f["x"].attrs["description"] == "x[i] = i/2")
    check("float64 values", np.allclose(f["y"][...], 1.0 / np.arange(1, 5), rtol=0, atol=0))
    check("int32 values", np.array_equal(f["ids"][...], -np.arange(4)) and f["ids"].dtype == np.int32)
    check("int64 values", np.array_equal(f["group/big"][...], 2 ** (40 + np.arange(4, dtype=np.int64))))
    check("uint8 values", np.array_equal(f["flags"][...], np.arange(4) % 2) and f["flags"].dtype == np.uint8)
    words = [w.decode() if isinstance(w, bytes) else w for w in f["words"][...]]
    check("utf-8 strings", words == ["bank", "river", "\u71b5", ""], words)
    check("group attribute units", f["group"].attrs["units"] == "nats")
    p = f["provenance"]
    for key in ("program", "shang_version", "git_commit", "command_line", "created", "hdf5_version",
                "gsl_version", "openblas_config", "blas_kernel", "blas_kernel_origin"):
        check("provenance has " + key, key in p.attrs and isinstance(p.attrs[key], str) and p.attrs[key] != "",
              dict(p.attrs))
    check("provenance seed", int(p.attrs["seed"]) == 42)
    check("provenance threads", int(p.attrs["threads"]) == 2)
    check("provenance string parameter", p["parameters"].attrs["name"] == "it's here")
    check("provenance int parameter", int(p["parameters"].attrs["k"]) == 2048)
    check("provenance float parameter", float(p["parameters"].attrs["alpha"]) == 0.25)
    inp = p["inputs/parent"]
    check("input sha256", len(inp.attrs["sha256"]) == 64)
    check("input provenance copied", inp["provenance"].attrs["program"] == "shang")
    check("input provenance nested parameters", int(inp["provenance/parameters"].attrs["k"]) == 2048)
done()
