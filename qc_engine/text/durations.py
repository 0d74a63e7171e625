"""Durations as people read them: 45 秒, 2 分 5 秒, 10 小时 0 分 (not "36008 秒")."""
from __future__ import annotations


def duration(seconds: float | None, lang: str = "zh") -> str:
    """Seconds under a minute as seconds, under an hour as minutes and seconds, else hours and minutes."""
    if seconds is None:
        return "—"
    total = int(round(max(0.0, float(seconds))))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if lang == "zh":
        if hours:
            return f"{hours} 小时 {minutes} 分"
        if minutes:
            return f"{minutes} 分 {secs} 秒" if secs else f"{minutes} 分钟"
        return f"{secs} 秒"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"
