"""Llama-style decoder with LoRA and ComMer compression embeddings.

One module serves three roles, exactly as the pack graph does (see
models/PACK_FORMAT.md): the frozen backbone (lora_scale = 0), the compressor
(lora_scale = 1, with k trainable compression embeddings appended to the
document), and the generator (merged compressions prefixed to the prompt).

RoPE uses the "rotate half" layout (first half / second half of each head), the
layout of Hugging Face Llama checkpoints; the llama2.c converter permutes its
interleaved wq/wk into it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config_keys import check_keys, known_keys

MASK_BIAS = -1e9  # large finite negative: fully padded rows give no NaN

KV = Tuple[torch.Tensor, torch.Tensor]


@dataclass
class ModelConfig:
    dim: int = 256
    n_layers: int = 6
    n_heads: int = 8
    n_kv_heads: int = 4
    hidden_dim: int = 688
    vocab_size: int = 8000
    max_positions: int = 2048
    rope_theta: float = 10000.0
    norm_eps: float = 1e-5
    tied_embeddings: bool = True

    @property
    def head_dim(self) -> int:
        return self.dim // self.n_heads

    def to_dict(self) -> dict:
        d = asdict(self)
        d["head_dim"] = self.head_dim
        return d

    @staticmethod
    def from_dict(d: dict, where: str = "model config") -> "ModelConfig":
        """From a config a person wrote: an unknown key is refused (ConfigError names it and `where`)."""
        check_keys(ModelConfig, d, where)
        return ModelConfig(**d)

    @staticmethod
    def from_saved(d: dict) -> "ModelConfig":
        """From a saved checkpoint's dict, which also carries derived (`head_dim`) or other versions' keys."""
        return ModelConfig(**known_keys(ModelConfig, d))


@dataclass
class LoraConfig:
    rank: int = 16
    alpha: float = 16.0
    dropout: float = 0.1
    targets: List[str] = field(default_factory=lambda: ["wq", "wk", "wv", "wo", "w1", "w2", "w3"])

    @staticmethod
    def from_dict(d: dict, where: str = "LoRA config") -> "LoraConfig":
        """From a config a person wrote: an unknown key is refused (ConfigError names it and `where`)."""
        check_keys(LoraConfig, d, where)
        return LoraConfig(**d)

    @staticmethod
    def from_saved(d: dict) -> "LoraConfig":
        """From a saved ComMer state's dict, which may carry other versions' keys."""
        return LoraConfig(**known_keys(LoraConfig, d))


Scale = Union[float, torch.Tensor]


class LoRALinear(nn.Module):
    """A frozen linear layer plus a low-rank update scaled at run time.

    y = W x + lora_scale * (alpha / r) * B A dropout(x). B starts at zero, so a
    fresh adapter leaves the backbone's function unchanged.
    """

    def __init__(self, in_features: int, out_features: int, lora: Optional[LoraConfig]):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        nn.init.normal_(self.weight, std=0.02)
        self.has_lora = lora is not None and lora.rank > 0
        if self.has_lora:
            assert lora is not None
            self.lora_A = nn.Parameter(torch.empty(lora.rank, in_features))
            self.lora_B = nn.Parameter(torch.zeros(out_features, lora.rank))
            nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
            self.scaling = lora.alpha / lora.rank
            self.dropout = nn.Dropout(lora.dropout)

    def forward(self, x: torch.Tensor, lora_scale: Scale = 0.0) -> torch.Tensor:
        y = F.linear(x, self.weight)
        if not self.has_lora:
            return y
        if isinstance(lora_scale, (int, float)) and lora_scale == 0:
            return y  # generator path: skip the adapter's compute entirely
        delta = F.linear(F.linear(self.dropout(x), self.lora_A), self.lora_B)
        return y + delta * (self.scaling * lora_scale)


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_cos_sin(position_ids: torch.Tensor, head_dim: int, theta: float) -> Tuple[torch.Tensor, torch.Tensor]:
    """cos/sin of shape [B, 1, T, head_dim] computed from positions (no table)."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    angles = position_ids.to(torch.float32)[..., None] * inv_freq  # [B, T, hd/2]
    emb = torch.cat([angles, angles], dim=-1)
    return emb.cos()[:, None], emb.sin()[:, None]


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


class Attention(nn.Module):
    def __init__(self, cfg: ModelConfig, lora: Optional[LoraConfig]):
        super().__init__()
        self.cfg = cfg
        hd = cfg.head_dim
        t = set(lora.targets) if lora else set()
        self.wq = LoRALinear(cfg.dim, cfg.n_heads * hd, lora if "wq" in t else None)
        self.wk = LoRALinear(cfg.dim, cfg.n_kv_heads * hd, lora if "wk" in t else None)
        self.wv = LoRALinear(cfg.dim, cfg.n_kv_heads * hd, lora if "wv" in t else None)
        self.wo = LoRALinear(cfg.n_heads * hd, cfg.dim, lora if "wo" in t else None)

    def forward(
        self,
        x: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        bias: torch.Tensor,
        past: Optional[KV],
        lora_scale: Scale,
    ) -> Tuple[torch.Tensor, KV]:
        cfg = self.cfg
        b, t, _ = x.shape
        hd = cfg.head_dim
        q = self.wq(x, lora_scale).view(b, t, cfg.n_heads, hd).transpose(1, 2)
        k = self.wk(x, lora_scale).view(b, t, cfg.n_kv_heads, hd).transpose(1, 2)
        v = self.wv(x, lora_scale).view(b, t, cfg.n_kv_heads, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        present = (k, v)
        rep = cfg.n_heads // cfg.n_kv_heads
        if rep > 1:
            s = k.shape[2]
            k = k[:, :, None].expand(b, cfg.n_kv_heads, rep, s, hd).reshape(b, cfg.n_heads, s, hd)
            v = v[:, :, None].expand(b, cfg.n_kv_heads, rep, s, hd).reshape(b, cfg.n_heads, s, hd)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd) + bias
        probs = torch.softmax(scores, dim=-1)
        out = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, cfg.n_heads * hd)
        return self.wo(out, lora_scale), present


class FeedForward(nn.Module):
    def __init__(self, cfg: ModelConfig, lora: Optional[LoraConfig]):
        super().__init__()
        t = set(lora.targets) if lora else set()
        self.w1 = LoRALinear(cfg.dim, cfg.hidden_dim, lora if "w1" in t else None)
        self.w3 = LoRALinear(cfg.dim, cfg.hidden_dim, lora if "w3" in t else None)
        self.w2 = LoRALinear(cfg.hidden_dim, cfg.dim, lora if "w2" in t else None)

    def forward(self, x: torch.Tensor, lora_scale: Scale) -> torch.Tensor:
        return self.w2(F.silu(self.w1(x, lora_scale)) * self.w3(x, lora_scale), lora_scale)


class Block(nn.Module):
    def __init__(self, cfg: ModelConfig, lora: Optional[LoraConfig]):
        super().__init__()
        self.attention_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.attention = Attention(cfg, lora)
        self.ffn_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.feed_forward = FeedForward(cfg, lora)

    def forward(self, x, cos, sin, bias, past, lora_scale):
        h, present = self.attention(self.attention_norm(x), cos, sin, bias, past, lora_scale)
        x = x + h
        x = x + self.feed_forward(self.ffn_norm(x), lora_scale)
        return x, present


def attention_bias(attention_mask: torch.Tensor, seq: int) -> torch.Tensor:
    """[B, 1, seq, past+seq] additive bias: causal over all positions, padding masked."""
    total = attention_mask.shape[1]
    past = total - seq
    key_idx = torch.arange(total, device=attention_mask.device)
    query_idx = torch.arange(seq, device=attention_mask.device) + past
    causal = key_idx[None, :] <= query_idx[:, None]  # [seq, total]
    allowed = causal[None, None] & (attention_mask[:, None, None, :] > 0)
    zero = torch.zeros((), dtype=torch.float32)
    neg = torch.full((), MASK_BIAS, dtype=torch.float32)
    return torch.where(allowed, zero, neg)


class Backbone(nn.Module):
    """The decoder. Inputs are embeddings so that soft tokens can be mixed in."""

    def __init__(self, cfg: ModelConfig, lora: Optional[LoraConfig] = None):
        super().__init__()
        self.cfg = cfg
        self.lora_cfg = lora
        self.tok_embeddings = nn.Embedding(cfg.vocab_size, cfg.dim)
        nn.init.normal_(self.tok_embeddings.weight, std=0.02)
        self.layers = nn.ModuleList([Block(cfg, lora) for _ in range(cfg.n_layers)])
        self.norm = RMSNorm(cfg.dim, cfg.norm_eps)
        if cfg.tied_embeddings:
            self.output = None
        else:
            self.output = nn.Linear(cfg.dim, cfg.vocab_size, bias=False)
            nn.init.normal_(self.output.weight, std=0.02)

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        return self.tok_embeddings(ids)

    def lm_head(self, h: torch.Tensor) -> torch.Tensor:
        w = self.tok_embeddings.weight if self.output is None else self.output.weight
        return F.linear(h, w)

    def forward(
        self,
        inputs_embeds: torch.Tensor,
        attention_mask: torch.Tensor,
        position_ids: torch.Tensor,
        past_key_values: Optional[Sequence[KV]] = None,
        lora_scale: Scale = 0.0,
        compute_logits: bool = True,
    ) -> Tuple[Optional[torch.Tensor], torch.Tensor, List[KV]]:
        x = inputs_embeds
        cos, sin = rope_cos_sin(position_ids, self.cfg.head_dim, self.cfg.rope_theta)
        bias = attention_bias(attention_mask, x.shape[1])
        presents: List[KV] = []
        for i, layer in enumerate(self.layers):
            past = past_key_values[i] if past_key_values is not None else None
            x, present = layer(x, cos, sin, bias, past, lora_scale)
            presents.append(present)
        hidden = self.norm(x)
        logits = self.lm_head(hidden) if compute_logits else None
        return logits, hidden, presents

    def backbone_parameters(self):
        return [p for n, p in self.named_parameters() if "lora_" not in n]

    def lora_parameters(self):
        return [p for n, p in self.named_parameters() if "lora_" in n]


def positions_from_mask(mask: torch.Tensor) -> torch.Tensor:
    """Position ids that count real tokens only: left padding gets 0, the first real
    token 0, and so on (right padding repeats the last position; it is masked)."""
    return (torch.cumsum(mask, dim=-1) - 1).clamp(min=0)


class CommerModel(nn.Module):
    """Backbone + LoRA compressor + k compression embeddings (+ optional soft prompt)."""

    def __init__(self, cfg: ModelConfig, lora: LoraConfig, k: int, soft_prompt_len: int = 0):
        super().__init__()
        self.cfg = cfg
        self.lora_cfg = lora
        self.k = k
        self.backbone = Backbone(cfg, lora)
        self.compression = nn.Parameter(torch.randn(k, cfg.dim) * 0.02)
        self.soft_prompt = nn.Parameter(torch.randn(soft_prompt_len, cfg.dim) * 0.02) if soft_prompt_len > 0 else None

    def freeze_backbone(self) -> None:
        for p in self.backbone.backbone_parameters():
            p.requires_grad_(False)

    def compress(self, doc_ids: torch.Tensor, doc_mask: torch.Tensor) -> torch.Tensor:
        """Left-padded [B, L] documents (BOS included) -> [B, k, dim] compressions."""
        b = doc_ids.shape[0]
        emb = self.backbone.embed(doc_ids)
        e = self.compression[None].expand(b, self.k, self.cfg.dim)
        x = torch.cat([emb, e], dim=1)
        mask = torch.cat([doc_mask, torch.ones(b, self.k, dtype=doc_mask.dtype, device=doc_mask.device)], dim=1)
        pos = positions_from_mask(mask)
        _, hidden, _ = self.backbone(x, mask, pos, None, lora_scale=1.0, compute_logits=False)
        return hidden[:, -self.k :]

    def generator_forward(
        self,
        prefix: Optional[torch.Tensor],
        prefix_mask: Optional[torch.Tensor],
        ids: torch.Tensor,
        ids_mask: torch.Tensor,
        return_hidden: bool = False,
    ) -> torch.Tensor:
        """Logits for right-padded ids [B, T] after an optional soft prefix [B, P, dim]
        (with return_hidden, the final hidden states [B, T, dim] instead, so a loss can
        project only the positions it scores).

        prefix_mask [B, P] marks which prefix rows are real (a 0-document example in a
        mixed batch has an all-zero prefix mask). Returns logits [B, T, vocab] for the
        ids positions only.
        """
        emb = self.backbone.embed(ids)
        if prefix is not None and prefix.shape[1] > 0:
            assert prefix_mask is not None
            x = torch.cat([prefix, emb], dim=1)
            mask = torch.cat([prefix_mask, ids_mask], dim=1)
        else:
            x, mask = emb, ids_mask
        pos = positions_from_mask(mask)
        logits, hidden, _ = self.backbone(x, mask, pos, None, lora_scale=0.0, compute_logits=not return_hidden)
        if return_hidden:
            return hidden[:, x.shape[1] - ids.shape[1] :]
        assert logits is not None
        return logits[:, x.shape[1] - ids.shape[1] :]


def merge_mean(compressions: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
    """Mean over documents. compressions [B, N, k, d] with zero rows for absent docs,
    counts [B] of real docs (0 gives zeros)."""
    total = compressions.sum(dim=1)
    return total / counts.clamp(min=1).to(total.dtype)[:, None, None]


def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)
