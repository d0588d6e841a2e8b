"""Data quality: the rule catalogue, the column-wise checks, batch validation, fund reports and
reconciliation; later the quality scan of the register, scores, record linkage and findings.

Public entry points: statut.quality.catalogue (catalogue(), rule(), render_markdown()),
statut.quality.validation.validate_batch, statut.quality.report (build_report, render_csv,
render_json), statut.quality.reconciliation.
"""
