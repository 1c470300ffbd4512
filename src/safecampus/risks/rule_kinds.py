"""The risk matrix a school assesses its risk points on (风险评估矩阵)."""

from datetime import date

from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, Field, model_validator

from safecampus.rules.kinds import Builtin, Display, Kind

from .choices import RISK_LEVEL_COLOURS, RiskLevel

LEVELS = ("major", "significant", "general", "low")


class RiskMatrix(BaseModel):
    """Likelihood × severity → risk level (重大/较大/一般/低)."""

    likelihood: list[str] = Field(min_length=2, max_length=10, description="可能性等级，由低到高")
    severity: list[str] = Field(min_length=2, max_length=10, description="严重程度等级，由低到高")
    # matrix[l][s]: the level for likelihood index l and severity index s.
    matrix: list[list[str]]

    @model_validator(mode="after")
    def _shape(self):
        if len(self.matrix) != len(self.likelihood) or any(
            len(row) != len(self.severity) for row in self.matrix
        ):
            raise ValueError("矩阵的行数须等于可能性等级数，列数须等于严重程度等级数")
        bad = {cell for row in self.matrix for cell in row} - set(LEVELS)
        if bad:
            raise ValueError(f"矩阵中只能填 {'、'.join(LEVELS)}，不能填 {'、'.join(sorted(bad))}")
        return self

    def level(self, likelihood: int, severity: int) -> str:
        """Level for 1-based likelihood and severity grades."""
        return self.matrix[likelihood - 1][severity - 1]


_L = ["极不可能", "不太可能", "可能", "很可能", "几乎肯定"]
_S = ["轻微", "一般", "较重", "严重", "特别严重"]


def _score_matrix() -> list[list[str]]:
    # The common 5×5 grading: score = likelihood × severity; ≥ 15 major, 9–14 significant,
    # 4–8 general, 1–3 low.
    def level(score: int) -> str:
        return (
            "major"
            if score >= 15
            else "significant"
            if score >= 9
            else "general"
            if score >= 4
            else "low"
        )

    return [[level(li * si) for si in range(1, 6)] for li in range(1, 6)]


def _matrix_display(data: dict) -> dict:
    """The matrix as a grid of coloured levels, likelihood down and severity across."""
    return {
        "severity": data["severity"],
        "rows": [
            {
                "label": label,
                "cells": [
                    {"label": RiskLevel(c).label, "colour": RISK_LEVEL_COLOURS[RiskLevel(c)]}
                    for c in row
                ],
            }
            for label, row in zip(data["likelihood"], data["matrix"], strict=True)
        ],
    }


KINDS: dict[str, Kind] = {
    "risk_matrix": Kind(
        _("风险评估矩阵"),
        RiskMatrix,
        [
            Builtin(
                "风险矩阵（可能性 × 严重程度，5×5）",
                "2026.1",
                date(2026, 1, 1),
                "平台内置",
                "国家风险分级管控通行做法：分值 ≥15 重大、9–14 较大、4–8 一般、1–3 低",
                {"likelihood": _L, "severity": _S, "matrix": _score_matrix()},
            )
        ],
        Display("risks/_risk_matrix.html", _matrix_display),
    ),
}
