"""Battles against a real third-party OpenAI-compatible server, not only against our own fake.

`transformers serve` (Hugging Face's FastAPI server) serves a tiny Llama built here, offline:
random weights, a byte-fallback tokenizer of a few hundred tokens. Our fake speaks the protocol
as we read it; this one speaks it as someone else wrote it (its own chunk shapes, usage in the
finish chunk, its own idea of [DONE]). The second model is wired so that greedy decoding emits
`<0x00>`, which decodes to U+0000: the token that once hung a battle for good (issue #15).
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from annotators.models import Annotator
from battles.models import Battle, BattleState, Generation, GenerationStatus
from tests.factories import annotator_create, arena_create, contender_openai
from tests.ops.ws import battle_run, db
from tests.processes import process_stop

if importlib.util.find_spec("transformers") is None or importlib.util.find_spec("fastapi") is None:
    pytest.skip("transformers[serving] is not installed (requirements-dev.txt)",
                allow_module_level=True)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

WORDS = ["the", "a", "model", "answer", "arena", "vote", "token", "stream", "is", "and", "of"]
STARTUP_S = 60


def _tokenizer() -> Any:
    """A Llama-style byte-fallback BPE tokenizer: any byte the vocabulary lacks is a `<0xNN>`
    token, as in Llama 2 / Mistral tokenizers, so `<0x00>` decodes to a NUL character."""
    from tokenizers import Tokenizer, decoders, models, normalizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for byte in range(256):
        vocab[f"<0x{byte:02X}>"] = len(vocab)
    for word in WORDS:
        vocab["▁" + word] = len(vocab)
    for char in "abcdefghijklmnopqrstuvwxyz▁":
        vocab.setdefault(char, len(vocab))
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="<unk>",
                                     byte_fallback=True, fuse_unk=True))
    tokenizer.normalizer = normalizers.Sequence([normalizers.Prepend("▁"),
                                                 normalizers.Replace(" ", "▁")])
    tokenizer.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(),
                                           decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<s>",
                                   eos_token="</s>", unk_token="<unk>")
    fast.chat_template = (
        "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}assistant:{% endif %}"
    )
    return fast


def _models_build(root: Path) -> dict[str, Path]:
    """`words`: random weights that can emit only word and letter tokens (greedy, never EOS, so
    an answer runs to max_tokens). `nul`: embeddings and head wired so that every ordinary token
    is followed by `<0x00>` and `<0x00>` by "▁vote": the answer alternates NUL and " vote"."""
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    tokenizer = _tokenizer()
    vocab = tokenizer.get_vocab()
    nul, vote = vocab["<0x00>"], vocab["▁vote"]
    paths = {}
    for name in ("words", "nul"):
        torch.manual_seed(0)
        config = LlamaConfig(vocab_size=len(vocab), hidden_size=16, intermediate_size=32,
                             num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2,
                             max_position_embeddings=2048, bos_token_id=1, eos_token_id=2,
                             tie_word_embeddings=False)
        model = LlamaForCausalLM(config)
        with torch.no_grad():
            if name == "words":
                # Specials, byte tokens and the bare "▁" score 0; among ~40 random logits one
                # is all but surely higher, so greedy decoding never picks them.
                model.lm_head.weight[: nul + 256] = 0.0
                model.lm_head.weight[vocab["▁"]] = 0.0
            else:
                for layer in model.model.layers:  # the residual stream stays the embedding
                    layer.self_attn.o_proj.weight.zero_()
                    layer.mlp.down_proj.weight.zero_()
                model.model.embed_tokens.weight.fill_(1.0)
                model.model.embed_tokens.weight[nul] = -1.0
                model.model.norm.weight.fill_(1.0)
                model.lm_head.weight.zero_()
                model.lm_head.weight[nul] = 10.0
                model.lm_head.weight[vote] = -10.0
        model.generation_config = GenerationConfig(bos_token_id=1, eos_token_id=2,
                                                   do_sample=False)
        model.save_pretrained(root / name)
        tokenizer.save_pretrained(root / name)
        paths[name] = root / name
    return paths


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Path]]]:
    """(base URL, model paths) of a `transformers serve` process, offline, on CPU."""
    root = tmp_path_factory.mktemp("tiny-models")
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "HF_HOME": str(root / "hf-home"), "TOKENIZERS_PARALLELISM": "false"}
    log = (root / "serve.log").open("wb")
    # Models load on their first request, so the server boots while they are being built.
    server = subprocess.Popen(
        [sys.executable, "-c", "import sys; from transformers.cli.transformers import main; "
         "sys.argv[0] = 'transformers'; sys.exit(main())",
         "serve", "--host", "127.0.0.1", "--port", str(port), "--device", "cpu"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        paths = _models_build(root)
        deadline = time.monotonic() + STARTUP_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"transformers serve exited: {(root / 'serve.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"transformers serve did not start in {STARTUP_S} s")
            time.sleep(0.2)
        yield f"{base}/v1", paths
    finally:
        process_stop(server)
        log.close()


@pytest.fixture
def alice() -> Annotator:
    return annotator_create()


def _arena(base_url: str, *sides: tuple[str, Path, int]) -> str:
    arena = arena_create()
    for slug, path, max_tokens in sides:
        contender_openai(arena=arena, base_url=base_url, model=str(path), slug=slug)
        arena.contenders.filter(slug=slug).update(
            params={"read_timeout": 30, "connect_timeout": 5, "total_timeout": 60,
                    "max_tokens": max_tokens})
    return arena.slug


def _side_by_side(slug: str, a: str, b: str) -> dict[str, Any]:
    return {"arena": slug, "prompt": "Tell me about the arena", "mode": "side_by_side",
            "contender_a": a, "contender_b": b}


def _answers(battle_id: str) -> dict[str, Generation]:
    return {g.side: g for g in Generation.objects.filter(turn__battle_id=battle_id)}


async def test_it_streams_a_battle_from_a_real_server(
    alice: Annotator, served: tuple[str, dict[str, Path]]
) -> None:
    base_url, paths = served
    slug = await db(lambda: _arena(base_url, ("one", paths["words"], 24),
                                   ("two", paths["words"], 16)))
    messages = await battle_run(alice, _side_by_side(slug, "one", "two"))

    assert messages[-1]["type"] == "turn_done" and messages[-1]["can_vote"] is True
    answers = await db(lambda: _answers(messages[0]["battle_id"]))
    for side, tokens in (("a", 24), ("b", 16)):
        chunks = [m for m in messages if m["type"] == "chunk" and m["side"] == side]
        assert len(chunks) > 1  # streamed, not one block at the end
        assert answers[side].status == GenerationStatus.DONE
        assert answers[side].text == "".join(m["delta"] for m in chunks)
        assert answers[side].completion_tokens == tokens


async def test_it_keeps_a_long_answer_from_a_real_server(
    alice: Annotator, served: tuple[str, dict[str, Path]]
) -> None:
    base_url, paths = served
    slug = await db(lambda: _arena(base_url, ("long", paths["words"], 300),
                                   ("short", paths["words"], 8)))
    messages = await battle_run(alice, _side_by_side(slug, "long", "short"))

    assert messages[-1]["can_vote"] is True
    answers = await db(lambda: _answers(messages[0]["battle_id"]))
    assert answers["a"].completion_tokens == 300
    assert len(answers["a"].text) >= 290  # every token is at least one character


async def test_it_keeps_a_real_nul_token_and_settles_the_battle(
    alice: Annotator, served: tuple[str, dict[str, Path]]
) -> None:
    base_url, paths = served
    slug = await db(lambda: _arena(base_url, ("words", paths["words"], 8),
                                   ("nul", paths["nul"], 6)))
    messages = await battle_run(alice, _side_by_side(slug, "words", "nul"))

    assert any("\x00" in m.get("delta", "") for m in messages)  # the server really sent one
    assert messages[-1]["can_vote"] is True
    battle = await db(lambda: Battle.objects.get(id=messages[0]["battle_id"]))
    assert battle.state == BattleState.READY
    answers = await db(lambda: _answers(str(battle.id)))
    assert answers["b"].text == "\ufffd vote" * 3
