"""Minimal safetensors reader/writer (the `safetensors` package is not installed here).

File layout (https://github.com/huggingface/safetensors): 8-byte little-endian
header length N, N bytes of JSON `{name: {"dtype", "shape", "data_offsets": [begin,
end]}, "__metadata__": {...}}`, then the raw little-endian tensor bytes, offsets
relative to the end of the header. Read: F32, F16, BF16 (returned as float32), plus
F64/I64/I32 as is. Write: float32 only (what the tests need).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Dict, Optional, Union

import numpy as np
import torch

_NP = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "?"}
_SIZE = {"F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}


class SafetensorsError(ValueError):
    pass


def read_header(path: Union[str, Path]) -> dict:
    path = Path(path)
    with path.open("rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise SafetensorsError(f"{path}: too short for a safetensors file")
        (n,) = struct.unpack("<Q", head)
        if n <= 0 or n > 100_000_000:
            raise SafetensorsError(f"{path}: implausible header length {n} (not a safetensors file?)")
        raw = f.read(n)
    if len(raw) != n:
        raise SafetensorsError(f"{path}: header truncated")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafetensorsError(f"{path}: header is not JSON: {e}") from e


def load_file(path: Union[str, Path]) -> Dict[str, torch.Tensor]:
    """All tensors of one .safetensors file; floating types come back as float32."""
    path = Path(path)
    header = read_header(path)
    (n,) = struct.unpack("<Q", path.open("rb").read(8))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n) if path.stat().st_size > 8 + n else np.zeros(0, np.uint8)
    out: Dict[str, torch.Tensor] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype, shape, (b, e) = info["dtype"], list(info["shape"]), info["data_offsets"]
        if dtype not in _SIZE:
            raise SafetensorsError(f"{path}: tensor {name} has unsupported dtype {dtype}")
        count = int(np.prod(shape)) if shape else 1
        if e - b != count * _SIZE[dtype] or e > data.shape[0] or b < 0:
            raise SafetensorsError(f"{path}: tensor {name} offsets [{b}, {e}) do not fit its shape {shape} / the file")
        buf = np.asarray(data[b:e])
        if dtype == "BF16":
            arr = (buf.view("<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            arr = buf.view(_NP[dtype])
            if dtype in ("F16", "F64"):
                arr = arr.astype(np.float32)
        out[name] = torch.from_numpy(np.array(arr, copy=True).reshape(shape))
    return out


def save_file(tensors: Dict[str, torch.Tensor], path: Union[str, Path], metadata: Optional[Dict[str, str]] = None, dtype: str = "F32") -> None:
    """Write tensors (converted to `dtype`: F32, F16 or BF16) in safetensors layout."""
    header: dict = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    off = 0
    for name in sorted(tensors):
        a = tensors[name].detach().to(torch.float32).contiguous().numpy()
        if dtype == "F32":
            raw = a.astype("<f4").tobytes()
        elif dtype == "F16":
            raw = a.astype("<f2").tobytes()
        elif dtype == "BF16":
            u = a.astype("<f4").view(np.uint32)
            raw = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype("<u2").tobytes()  # round to nearest even
        else:
            raise SafetensorsError(f"cannot write dtype {dtype}")
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    hj = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hj += b" " * ((8 - len(hj) % 8) % 8)  # align the data section, as the reference writer does
    with Path(path).open("wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for raw in blobs:
            f.write(raw)
