"""Make the README's sample report: a realistic year made by hand (a seeded random year of
District 1: about 180 entries over the 10 wards, two campaigns, a few award entries going up to
"put into practice"), the yearly report built from it, its first page rendered to PNG.

    python -m testing.sample_report [OUT_DIR]   # writes docs/sample-report.png

Needs LibreOffice (`libreoffice --headless --convert-to pdf`) and pypdfium2. A one-off for the
README, not a test."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdfium2
from sqlalchemy import insert

from bot import PROJECT_ROOT
from bot.config import DATA_DIR, Settings
from bot.i18n import compile_catalogs
from bot.reference import Reference
from bot.reports import build_report
from storage.db import create_engine, migrate
from storage.tables import campaigns, entries, history

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
TITLES = ["Đèn đường năng lượng mặt trời cho hẻm", "Ứng dụng nhắc lịch thu gom rác",
          "Bảng tin điện tử tại khu phố", "Thu gom pin cũ tại trường học",
          "Sổ tay số cho hộ kinh doanh", "Tuyến đi bộ an toàn cho học sinh",
          "Vườn rau trên sân thượng chung cư", "Mã QR tra cứu thủ tục hành chính",
          "Tủ sách cộng đồng ở nhà văn hóa", "Cảnh báo ngập qua tin nhắn"]
WEIGHTS = {"ben-nghe": 24, "ben-thanh": 30, "cau-kho": 12, "cau-ong-lanh": 15, "co-giang": 9,
           "da-kao": 21, "nguyen-cu-trinh": 18, "nguyen-thai-binh": 14, "pham-ngu-lao": 27,
           "tan-dinh": 0}
IDEA_FIELDS = ["economy", "culture-society", "admin-reform", "digital-smart-city", "thrift"]
AWARD_FIELDS = ["state-management", "science-technology", "economic-development"]
CAMPAIGNS = [("y-tuong-2026", "Ý tưởng sáng tạo vì cộng đồng năm 2026",
              "Creative ideas for the community 2026", date(2026, 3, 1), date(2026, 9, 30)),
             ("giai-thuong-2026", "Đăng ký Giải thưởng Sáng tạo Thành phố năm 2026",
              "Registration for the City's Creative Award 2026", date(2026, 4, 15),
              date(2026, 8, 31))]


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ).astimezone(UTC)


async def fill(engine) -> None:
    rng = random.Random(2026)
    async with engine.begin() as conn:
        for slug, title_vi, title_en, opens, closes in CAMPAIGNS:
            await conn.execute(insert(campaigns).values(
                slug=slug, title_vi=title_vi, title_en=title_en, description_vi="…",
                description_en="…", kinds=["idea", "award"], fields=[], units=[], opens=opens,
                closes=closes, created_at=NOW - timedelta(days=300)))
        wards = [w for w, n in WEIGHTS.items() for _ in range(n)]
        for n in range(170):
            kind = "award" if n % 12 == 0 else "idea"
            campaign = "giai-thuong-2026" if kind == "award" else "y-tuong-2026"
            opens, closes = (CAMPAIGNS[1] if kind == "award" else CAMPAIGNS[0])[3:5]
            received = opens + timedelta(days=int(rng.triangular(0, (closes - opens).days, 10)))
            path = ["accepted"] if rng.random() < 0.75 else []
            if path and (kind == "award" or rng.random() < 0.12):
                path.append("forwarded")
            if kind == "award" and path:
                path += ["shortlisted", "nominated"][: rng.choice((0, 1, 2, 2))]
                if len(path) == 4 and rng.random() < 0.7:
                    path += ["awarded"] + (["applied"] if rng.random() < 0.6 else [])
            code = f"{'GT' if kind == 'award' else 'SK'}-26-{n + 1:04d}"
            day, rows, before = received, [], "submitted"
            for status in path:
                day += timedelta(days=rng.randint(1, 9 if status == "accepted" else 40))
                rows.append((status, before, min(day, date(2026, 11, 30))))
                before = status
            entry_id = (await conn.execute(insert(entries).values(
                code=code, kind=kind, unit=rng.choice(wards), campaign=campaign,
                field=rng.choice(AWARD_FIELDS if kind == "award" else IDEA_FIELDS),
                title=rng.choice(TITLES), description="…", details={"authors": "Nguyễn Văn An"},
                contact_name=None, contact_phone=None, show_name=rng.random() < 0.6,
                status=before, lang="vi", created_at=_at(received, 9), updated_at=_at(day, 10),
                award_level=rng.choice(("second", "third", "merit"))
                if before in ("awarded", "applied") else None,
            ).returning(entries.c.id))).scalar_one()
            await conn.execute(insert(history), [
                {"entry_id": entry_id, "at": _at(received, 9), "role": "resident",
                 "from_status": None, "to_status": "submitted"},
                *({"entry_id": entry_id, "at": _at(when, 10), "role": "ward_officer",
                   "from_status": source, "to_status": status, "actor_name": "Cán bộ"}
                  for status, source, when in rows)])


async def build(out: Path) -> list[Path]:
    for old in out.glob("sample.db*"):  # a fresh year each time
        old.unlink()
    settings = Settings(database_url=f"sqlite:///{out / 'sample.db'}",
                        units_file=DATA_DIR / "units.toml", files_dir=str(out / "files"))
    compile_catalogs(settings.locales_dir)
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        await fill(engine)
        return await build_report(engine, settings, Reference(settings), year=2026, final=False,
                                  out_dir=out, now=NOW)
    finally:
        await engine.dispose()


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
    out.mkdir(parents=True, exist_ok=True)
    paths = asyncio.run(build(out))
    subprocess.run(["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", str(out),
                    str(paths[0])], check=True, capture_output=True, timeout=300)
    pdf = pypdfium2.PdfDocument(str(paths[0].with_suffix(".pdf")))
    image = pdf[0].render(scale=1.5).to_pil()
    target = PROJECT_ROOT / "docs" / "sample-report.png"
    image.quantize(colors=64).save(target, optimize=True)
    print(target, image.size, *paths, sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
