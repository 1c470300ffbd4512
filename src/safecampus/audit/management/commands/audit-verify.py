from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safecampus.audit.chain import chain_head_log, chain_verify


class Command(BaseCommand):
    help = (
        "校验审计日志链：逐条核对 HMAC-SM3 签名，报告第一处断裂（哪条日志、什么问题），"
        "断裂时以非零状态退出；并把链头写入日志。"
        "Verify the audit trail's chain; report the first broken link; exit 1 if broken."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = chain_verify()
        chain_head_log()
        if report.legacy:
            self.stdout.write(f"链建立前的日志 {report.legacy} 条（未签名，不在链中）")
        if report.broken is not None:
            where = f"日志 #{report.broken.entry_id}" if report.broken.entry_id else "审计日志链"
            # CommandError: the message on stderr and exit status 1.
            raise CommandError(
                f"审计日志链断裂：{where}：{report.broken.problem}（此前 {report.checked} 条完好）"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"审计日志链完好：{report.checked} 条，链序号 {report.start_seq}–{report.head_seq}，"
                f"链头 {report.head_mac or '-'}"
            )
        )
