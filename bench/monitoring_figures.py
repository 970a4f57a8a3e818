"""One line of the region's figures from a GET /monitoring answer (bench/monitoring.sh)."""
import json
import sys

r = json.load(open(sys.argv[1]))
t = r["total"]
s = t["supply"]
years = {e["year"]: e for e in t["take_up"]["years"]}
immediately = next(b for b in s["by_availability"] if b["key"] == "immediately")
last = max(years) - 1
print(
    f"supply {s['count']} plots / {s['hectares']:.1f} ha (immediately {immediately['hectares']:.1f} ha), "
    f"reserved {t['reserved']['count']}, sold in {last}: {years[last]['sold_count']} plots / "
    f"{years[last]['sold_hectares']:.1f} ha, mean of 5 years {t['take_up']['mean_sold_ha_5y']:.1f} ha, "
    f"Reichweite {t['reichweite']['years_5y']} years, {len(r['groups'])} groups"
)
