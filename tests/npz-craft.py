"""Hostile .npz archives for tests/cli-npz.sh, built byte by byte (APPNOTE.TXT
4.3) so that the zip directory can say what the data do not.  Standard
library only.  Usage: npz-craft.py NPY OUTDIR, where NPY is a valid .npy file
(the payload of every member)."""
import os
import struct
import sys
import zipfile
import zlib


def zip_bytes(members):
    """members: (name, payload, method, declared_usize, declared_csize, zip64)."""
    out, cd = b"", b""
    for name, data, method, usize, csize, z64 in members:
        raw = data if method == 0 else zlib.compress(data)[2:-4]  # raw deflate
        usize = len(data) if usize is None else usize
        csize = len(raw) if csize is None else csize
        nm, crc, off = name.encode(), zlib.crc32(data), len(out)
        ver = 45 if z64 else 20
        u32, c32 = (0xFFFFFFFF, 0xFFFFFFFF) if z64 else (usize, csize)
        extra = struct.pack("<HHQQ", 1, 16, usize, csize) if z64 else b""
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, ver, 0x800, method, 0, 0x21, crc, c32, u32,
                           len(nm), len(extra)) + nm + extra + raw
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, ver, ver, 0x800, method, 0, 0x21, crc, c32, u32,
                          len(nm), len(extra), 0, 0, 0, 0, off) + nm + extra
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(cd), len(out), 0)
    return out + cd + eocd


def main():
    npy, outdir = sys.argv[1], sys.argv[2]
    with open(npy, "rb") as f:
        d = f.read()
    files = {
        # the zip directory lies about the size of the one member
        "big-stored.npz": [("r.npy", d, 0, 3500000000, None, False)],
        "big-deflated.npz": [("r.npy", d, 8, 3500000000, None, False)],
        "huge64.npz": [("r.npy", d, 0, 1 << 62, None, True)],
        "huge64-comp.npz": [("r.npy", d, 0, 1 << 62, 1 << 62, True)],
        # a control character in a member name (a reward name)
        "newline.npz": [("r1.npy", d, 0, None, None, False), ("x\ny.npy", d, 0, None, None, False)],
    }
    for name, members in files.items():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(zip_bytes(members))
    # np.savez(f, **{"a\tb": r}) writes this: zipfile, a plain ASCII name
    with zipfile.ZipFile(os.path.join(outdir, "tab.npz"), "w") as z:
        z.writestr("r1.npy", d)
        z.writestr("a\tb.npy", d)


if __name__ == "__main__":
    main()
