"""`sangkien chat --json` in a subprocess, as scripts and operators use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.codes import parse_code
from tests.conftest import TEN_WARDS_ENV
from tests.flows import code_in

ROOT = Path(__file__).resolve().parent.parent


def run_chat(db_url: str, lines: list, *args: str) -> list[dict]:
    stdin = "\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)
                      for line in lines) + "\n"
    env = {**os.environ, **TEN_WARDS_ENV, "SANGKIEN_DATABASE_URL": db_url}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--json", *args],
        input=stdin, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def turns(output: list[dict]) -> list[list[dict]]:
    """Group the output into the replies to each input line (each ends with an idle line)."""
    groups, current = [], []
    for obj in output:
        if obj.get("idle"):
            groups.append(current)
            current = []
        else:
            current.append(obj)
    return groups


def test_award_entry_then_lookup_by_code(db_url, tmp_path):
    report = tmp_path / "bao-cao.pdf"
    report.write_bytes(b"%PDF-1.4 test")
    u = 1001
    output = run_chat(db_url, [
        {"user": u, "text": "/start"},
        {"user": u, "choose": "consent:yes"},
        {"user": u, "choose": "menu:award"},
        {"user": u, "choose": "pick:solution"},
        {"user": u, "choose": "pick:state-management"},
        {"user": u, "text": "nguyen thai binh"},
        {"user": u, "text": "Một cửa số hóa hồ sơ hộ tịch"},
        {"user": u, "text": "Nguyễn Văn An, Trần Thị Bình"},
        {"user": u, "text": "UBND Phường Nguyễn Thái Bình"},
        {"user": u, "text": "Số hóa toàn bộ sổ hộ tịch, tra cứu trực tuyến trong 5 phút."},
        {"user": u, "text": "Bộ phận một cửa UBND phường"},
        {"user": u, "text": "03/2024"},
        {"user": u, "text": "Giảm 60% thời gian chờ của người dân."},
        {"user": u, "choose": "pick:filed"},
        {"user": u, "document": str(report)},
        {"user": u, "choose": "nav:done"},
        {"user": u, "text": "Nguyễn Văn An"},
        {"user": u, "contact": "+84 909 876 543"},
        {"user": u, "choose": "pick:yes"},
        {"user": u, "choose": "form:confirm"},
    ])
    replies = turns(output)
    assert len(replies) == 20
    assert all(r["to"] == u for turn in replies for r in turn)
    receipt = replies[-1][0]["text"]
    code = code_in(receipt)
    assert code.startswith("GT-26-") and parse_code(code) == code

    other = 2002
    lookup = turns(run_chat(db_url, [
        {"user": other, "text": "/start"},
        {"user": other, "choose": "consent:yes"},
        {"user": other, "text": f"/tracuu {code}"},
    ]))
    shown = lookup[-1][0]["text"]
    assert code in shown and "Một cửa số hóa hồ sơ hộ tịch" in shown
    assert "Phường Nguyễn Thái Bình" in shown
    assert "0909" not in shown and "Nguyễn Văn An" not in shown


def test_options_are_printed_with_values_and_labels_and_text_lines_are_text(db_url):
    output = turns(run_chat(db_url, ["/start", {"choose": "consent:yes"}, "2"]))
    menu = output[1][-1]["options"]
    assert {"value", "label"} <= set(menu[0])
    # A line that is not JSON is text from the default user: "2" picks the second option,
    # the award registration, whose first question is the type of work.
    assert "pick:research" in [o["value"] for o in output[2][0]["options"]]
    assert output[2][0]["to"] == 1001


def test_malformed_line_gets_an_error_and_the_session_goes_on(db_url):
    output = run_chat(db_url, [
        '{"user": 1001, "text": ',
        {"user": 1001, "photo": 42},
        {"user": 1001, "photo": "/khong/co/tep.jpg"},
        {"user": 1001},
        {"user": 1001, "text": "/start"},
    ])
    errors = [o for o in output if "error" in o]
    assert len(errors) == 4
    assert any("consent:yes" in [opt["value"] for opt in o.get("options", [])] for o in output)


def test_migrate_is_idempotent(db_url):
    env = {**os.environ, **TEN_WARDS_ENV, "SANGKIEN_DATABASE_URL": db_url}
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "bot", "migrate"], env=env, cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr


def _invite(db_url: str, unit: str, role: str, name: str) -> str:
    env = {**os.environ, **TEN_WARDS_ENV, "SANGKIEN_DATABASE_URL": db_url}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "officers", "invite", "--unit", unit, "--role", role,
         "--name", name], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    import re

    return re.search(r"/dangky (\S+)", result.stdout).group(1)


def test_review_path_in_the_console_with_every_notification(db_url):
    ward = _invite(db_url, "cau-kho", "ward_officer", "Cán bộ Cầu Kho")
    district = _invite(db_url, "quan-1", "district_officer", "Phòng Nội vụ")
    r, w, d = 1001, 9001, 9004
    daytime = {"clock": "2026-12-01T10:00:00+07:00"}  # every notification goes out at once
    script = [
        daytime,
        {"user": w, "text": f"/dangky {ward}"},
        {"user": d, "text": f"/dangky {district}"},
        {"user": r, "text": "/start"},
        {"user": r, "choose": "consent:yes"},
        {"user": r, "choose": "menu:idea"},
        {"user": r, "text": "cau kho"},
        {"user": r, "choose": "pick:economy"},
        {"user": r, "text": "Chợ đêm cuối tuần"},
        {"user": r, "text": "Tổ chức chợ đêm cuối tuần trên đường Trần Hưng Đạo."},
        {"user": r, "choose": "nav:skip"},
        {"user": r, "choose": "nav:skip"},
        {"user": r, "choose": "nav:skip"},
        {"user": r, "choose": "nav:skip"},
        {"user": r, "choose": "form:confirm"},
    ]
    replies = turns(run_chat(db_url, script))[1:]
    submitted = replies[-1]
    code = code_in(submitted[0]["text"])
    to_officer = [m for m in submitted if m["to"] == w]
    assert len(to_officer) == 1 and code in to_officer[0]["text"]
    options = {o["value"].split(":")[1] for o in to_officer[0]["options"]}
    assert {"take", "ask_info", "reject", "forward", "view"} <= options
    entry_id = to_officer[0]["options"][0]["value"].split(":")[2]

    later = turns(run_chat(db_url, [
        daytime,
        {"user": w, "choose": f"q:ask_info:{entry_id}"},
        {"user": w, "text": "Dự kiến bao nhiêu gian hàng?"},
        {"user": r, "choose": f"ans:{code}"},
        {"user": r, "text": "Khoảng 40 gian hàng."},
        {"user": r, "choose": "ans:send"},
        {"user": w, "choose": f"q:forward:{entry_id}"},
        {"user": d, "choose": f"q:shortlist:{entry_id}"},
        {"user": d, "choose": f"q:nominate:{entry_id}"},
        {"user": d, "choose": f"q:award:{entry_id}"},
        {"user": d, "choose": f"q:award:{entry_id}:first"},  # the level, then the prize
        {"user": d, "text": "Bằng khen và 5.000.000 đồng"},
    ]))[1:]
    question = [m for m in later[1] if m["to"] == r]
    assert "gian hàng" in question[0]["text"]
    assert question[0]["options"] == [{"value": f"ans:{code}", "label": "Trả lời"}]
    answered = [m for m in later[4] if m["to"] == w]
    assert "40 gian hàng" in answered[0]["text"]
    forwarded = later[5]
    assert {m["to"] for m in forwarded} == {w, r, d}
    for turn in later[6:8] + later[10:]:
        assert [m["to"] for m in turn].count(r) == 1  # the author hears of every step
    status = turns(run_chat(db_url, [{"user": r, "text": f"/tracuu {code}"}]))[0][0]["text"]
    assert "Đạt giải" in status or "đạt giải" in status.lower()

    audit = subprocess.run(
        [sys.executable, "-m", "bot", "audit", code], capture_output=True, text=True,
        env={**os.environ, **TEN_WARDS_ENV, "SANGKIEN_DATABASE_URL": db_url}, cwd=ROOT, timeout=120,
    )
    assert audit.returncode == 0, audit.stderr
    assert audit.stdout.count("\n") >= 9
    assert "Cán bộ Cầu Kho" in audit.stdout and "Phòng Nội vụ" in audit.stdout


def test_a_district_officer_in_the_console_gets_the_figures_and_the_report_in_the_same_turn(
        db_url):
    district = _invite(db_url, "quan-1", "district_officer", "Phòng Nội vụ")
    d = 9004
    replies = turns(run_chat(db_url, [
        {"user": d, "text": f"/dangky {district}"},
        {"user": d, "text": "/thongke 2026"},
        {"user": d, "text": "/baocao 2026"},
    ]))
    figures, report = replies[1], replies[2]
    # The step's own answer, then what the worker process made, before the turn ends.
    assert figures[0]["text"].startswith("Đang tổng hợp số liệu")
    assert any("ⓘ" in m["text"] for m in figures[1:]), figures
    assert report[0]["text"].startswith("Đang lập báo cáo sơ kết năm 2026")
    files = [a for m in report[1:] for a in m.get("attachments", [])]
    assert sorted(a["name"].rsplit(".", 1)[1] for a in files) == ["docx", "xlsx"], report
