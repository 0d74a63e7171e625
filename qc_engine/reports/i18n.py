"""Report wording in Chinese (default) and English."""
from __future__ import annotations

# The labels of the store's keys are shared with the review workbench: they are kept with the page templates.
from qc_engine.pages.labels import CATEGORIES, ROLES, SAMPLE_REASONS, SEVERITIES, VERDICTS  # noqa: F401

LANGS = ("zh", "en")

_TEXT: dict[str, tuple[str, str]] = {
    "index_title": ("质检日报", "QC daily reports"),
    "team_title": ("团队总览", "Team overview"),
    "shop_title": ("店铺日报", "Shop daily report"),
    "agent_title": ("客服辅导单", "Agent coaching sheet"),
    "sample_title": ("今日抽检清单", "Today's review sample"),
    "day": ("日期", "Day"),
    "shop": ("店铺", "Shop"),
    "shops": ("店铺日报", "Shop reports"),
    "agent": ("客服", "Agent"),
    "agents": ("客服辅导单", "Agent coaching sheets"),
    "rank": ("排名", "Rank"),
    "conversations": ("接待数", "Conversations"),
    "customers": ("咨询人数", "Customers"),
    "messages": ("消息数", "Messages"),
    "score": ("质检得分", "QC score"),
    "score_avg": ("平均得分", "Average score"),
    "score_change": ("较前一日", "vs previous day"),
    "score_7d": ("近7日得分", "Score, last 7 days"),
    "conversations_7d": ("近7日接待数", "Conversations, last 7 days"),
    "findings": ("问题数", "Findings"),
    "red_lines": ("红线", "Red lines"),
    "first_response": ("首次响应(秒)", "First response (s)"),
    "avg_response": ("平均响应(秒)", "Average response (s)"),
    "response_figures": ("响应指标", "Response figures"),
    "rate_3min": ("3分钟回复率", "3-minute response rate"),
    "slow_rounds": ("慢回复轮次", "Slow rounds"),
    "unanswered": ("未回复轮次", "Unanswered rounds"),
    "answer_ratio": ("答问比", "Answer ratio"),
    "slowest": ("最慢响应(秒)", "Slowest response (s)"),
    "inquiries": ("询单人数", "Inquiries"),
    "paid": ("付款人数", "Paid"),
    "conversion": ("询单转化率", "Conversion rate"),
    "paid_amount": ("付款金额", "Paid amount"),
    "by_category": ("问题分类", "Findings by category"),
    "category": ("类别", "Category"),
    "count": ("次数", "Count"),
    "points": ("扣分", "Points"),
    "rule": ("规则", "Rule"),
    "severity": ("严重程度", "Severity"),
    "reason": ("问题", "What happened"),
    "expected": ("应当", "What to do instead"),
    "verdict": ("结论", "Verdict"),
    "auto_verdict": ("系统判定", "Automatic"),
    "human_verdict": ("人工复核", "Human review"),
    "top3": ("今天最需要改进的三件事", "Top three things to work on"),
    "nothing_to_fix": ("今天没有发现需要改进的问题，继续保持！", "Nothing to fix today: keep it up!"),
    "findings_detail": ("问题明细（含上下文）", "Findings in context"),
    "more_findings": ("另有 {n} 条问题未展开，见 CSV / Excel 文件。", "{n} more findings are not shown; see the CSV / Excel files."),
    "manual_findings": ("人工质检发现", "Manual findings"),
    "review_log": ("复核记录", "Review log"),
    "overturned_note": ("以下系统问题已被人工撤销，不计入得分。", "These automatic findings were overturned by a reviewer and do not count."),
    "reviewer": ("复核人", "Reviewer"),
    "note": ("说明", "Note"),
    "ranked": ("客服排名：需要辅导的在前（先看红线，再看得分）", "Agents, those to coach first (red lines, then score)"),
    "categories_over_time": ("近7日问题分类趋势", "Findings by category, last 7 days"),
    "top_rules": ("触发最多的规则", "Rules that fire most"),
    "trend": ("趋势", "Trend"),
    "downloads": ("下载", "Downloads"),
    "run_warnings": ("审计警告（请检查规则文件与数据）", "Audit warnings (check the rule files and the data)"),
    "xlsx": ("Excel 工作簿", "Excel workbook"),
    "csv": ("CSV 文件", "CSV files"),
    "no_data": ("暂无数据", "No data"),
    "sample_reason": ("抽检原因", "Why sampled"),
    "no_sample": ("还没有抽检：运行 qc sample --db 质检库文件 --date {day} 抽取，然后重新生成报告。",
                  "No review sample yet: run qc sample --db STORE --date {day}, then make the reports again."),
    "reviewed": ("已复核", "Reviewed"),
    "conversation": ("会话", "Conversation"),
    "generated": ("生成于", "Generated"),
    "tip_response": ("回复速度：3分钟回复率 {rate}，目标 90% 以上；客户发问后尽快回应。",
                     "Reply speed: 3-minute response rate {rate}, aim for 90% or more; answer customers sooner."),
    "tip_first": ("首次响应平均 {sec}，目标 30 秒以内；接入后先问候客户。",
                  "First response takes {sec} on average, aim for under 30 s; greet the customer first."),
    "tip_finding": ("{category}：{advice}（今天 {n} 次，扣 {points} 分）",
                    "{category}: {advice} ({n} today, {points} points)"),
    "message_flagged": ("问题消息", "Flagged message"),
    "see_store": ("数据均来自质检库，客户个人信息已脱敏。", "All figures come from the QC store; customer personal data is masked."),
    "first_response_time": ("首次响应时长", "First response time"),
    "avg_response_time": ("平均响应时长", "Average response time"),
    "rounds": ("问答轮次", "Rounds"),
    "agent_messages": ("客服消息数", "Agent messages"),
    "customer_messages": ("客户消息数", "Customer messages"),
    "message_index": ("消息序号", "Message number"),
    "finding_id": ("问题编号", "Finding id"),
    "evidence": ("证据", "Evidence"),
    "reviewed_at": ("复核时间", "Reviewed at"),
    "seed": ("随机种子", "Seed"),
    "coach_first": ("需要辅导", "Coach first"),
    "why": ("原因", "Why"),
    "why_red_lines": ("{n} 次红线", "{n} red line(s)"),
    "why_score": ("得分 {score}，低于团队平均 {avg}", "score {score}, below the team's {avg}"),
    "why_rate": ("3分钟回复率 {rate}", "3-minute response rate {rate}"),
    "why_first": ("首次响应平均 {time}", "first response {time} on average"),
    "why_findings": ("{n} 个问题", "{n} finding(s)"),
    "why_fine": ("表现良好", "doing well"),
    "why_high_risk": ("{n} 个高风险会话", "{n} conversation(s) at high risk"),
    "follow_up_title": ("回访名单", "Follow-up list"),
    "follow_up_intro": ("客户不满风险达到店铺阈值的会话，风险最高的在前：请尽快回访客户，解决问题、安抚情绪。",
                        "Conversations whose customer-experience risk reached the shop's threshold, highest first: "
                        "call these customers back, solve the problem and calm them down."),
    "no_follow_up": ("今天没有需要回访的会话。", "No conversation to follow up today."),
    "risk": ("不满风险", "Risk"),
    "risk_why": ("主要原因", "Why"),
    "customer": ("客户", "Customer"),
    "high_risk": ("高风险会话", "High-risk conversations"),
    "high_risk_rate": ("高风险占比", "High-risk share"),
    "my_follow_up": ("需回访的高风险会话", "High-risk conversations to follow up"),
    "last_messages": ("会话结尾", "End of the conversation"),
}


# Sheet names of the workbook (the CSV files keep the English names, for scripts).
SHEETS = {
    "shops": ("店铺日报", "Shops"), "agents": ("客服", "Agents"), "findings": ("问题明细", "Findings"),
    "overturned": ("撤销记录", "Overturned"), "trend": ("近7日趋势", "Trend"), "sample": ("抽检清单", "Sample"),
    "follow_up": ("回访名单", "Follow-up"),
}


class Words:
    """Labels for one language: ``w("score")``, ``w.category("latency")``."""

    def __init__(self, lang: str = "zh"):
        if lang not in LANGS:
            raise ValueError(f"language must be one of {', '.join(LANGS)}")
        self.lang = lang
        self._i = LANGS.index(lang)

    def __call__(self, key: str, **values) -> str:
        text = _TEXT[key][self._i]
        return text.format(**values) if values else text

    def _pick(self, table: dict[str, tuple[str, str]], key: str) -> str:
        return table[key][self._i] if key in table else key

    def sheet(self, key: str) -> str:
        return self._pick(SHEETS, key or "")

    def duration(self, seconds) -> str:
        from qc_engine.text.durations import duration

        return duration(seconds, self.lang)

    def category(self, key: str) -> str:
        return self._pick(CATEGORIES, key or "")

    def severity(self, key: str) -> str:
        return self._pick(SEVERITIES, key or "")

    def verdict(self, key: str | None) -> str:
        return self._pick(VERDICTS, key or "")

    def sample_reason(self, key: str) -> str:
        return self._pick(SAMPLE_REASONS, key or "")

    def role(self, key: str) -> str:
        return self._pick(ROLES, key or "")
