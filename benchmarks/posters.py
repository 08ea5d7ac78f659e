"""How fast are notice-board posters drawn? `python -m benchmarks.posters [--stations 300]`

Draws a county's posters as `python -m bot poster --county` does (one PDF, a page per
station, a CJK font subset embedded; a PNG per station) from generated sheets, and as a
baseline the same stations' bare QR code PNGs (`adapters.qr.qr_png`, what an invite costs).
Prints seconds, per-station figures, the PDF's size and the ratio to the baseline; the
median of `--runs`.
"""

from __future__ import annotations

import argparse
import statistics
import time

from adapters.poster import PosterSheet, find_cjk_font, poster_pdf, poster_png
from adapters.qr import qr_png


def sheets(n: int) -> list[PosterSheet]:
    return [
        PosterSheet(
            heading="全国电子商务进农村综合示范项目",
            title=f"第{i}村电商服务站",
            subtitle=f"第{i}村 · 青山镇 · 示范县",
            rows=[
                ("营业时间", "每天 8:00-20:00"),
                ("服务项目", "快递收发、代购代销、话费充值、代缴水电费、小额取现"),
                ("收费标准", "代收快递免费；寄件首重8元，续重每斤2元；代缴每笔1元"),
                ("联系方式", f"站长：王{i}，电话 138 0000 {i:04d}"),
            ],
            link=f"https://t.me/cunzhan_bot?start=s_{i:022d}",
            scan_hint="手机扫码：查看服务与收费、评价服务站、投诉举报、到件通知",
            footer=f"站点编码 DEMO-S{i:03d} · 村级电商服务站",
        )
        for i in range(n)
    ]


def timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stations", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    n, found = args.stations, find_cjk_font()
    print(f"font: {found.path} (face {found.index}); {n} stations, median of {args.runs}")
    pages = sheets(n)
    pdf_size = len(poster_pdf(pages[:1]))
    pdf_s = statistics.median(timed(lambda: poster_pdf(pages)) for _ in range(args.runs))
    county_pdf = len(poster_pdf(pages))
    png_s = statistics.median(
        timed(lambda: [poster_png(p) for p in pages]) for _ in range(args.runs)
    )
    qr_s = statistics.median(
        timed(lambda: [qr_png(p.link) for p in pages]) for _ in range(args.runs)
    )
    print(
        f"county PDF   {pdf_s:7.2f} s  {pdf_s / n * 1000:6.1f} ms/page  {county_pdf / 1024:.0f} KB"
    )
    print(f"one-page PDF {pdf_size / 1024:.0f} KB (only the glyphs used are embedded)")
    print(f"PNGs         {png_s:7.2f} s  {png_s / n * 1000:6.1f} ms/station")
    print(f"baseline QRs {qr_s:7.2f} s  {qr_s / n * 1000:6.1f} ms/station")
    print(f"ratio (PDF + PNGs) / bare QR PNGs: {(pdf_s + png_s) / qr_s:.1f}x")


if __name__ == "__main__":
    main()
