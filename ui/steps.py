"""The lab's four steps (the notebook's sections 0-3) and the page that teaches each.

A step's page is None until that page lands; the navigation and the home page both
read this one table.
"""

# (notebook section, i18n key prefix, page file or None, icon, url path)
LAB_STEPS = [
    (0, "step.data", "app_pages/data_explorer.py", ":material/photo_library:", "data"),
    (1, "step.calculator", "app_pages/calculator.py", ":material/calculate:", "calculator"),
    (2, "step.training", "app_pages/training.py", ":material/monitoring:", "training"),
    (3, "step.transfer", "app_pages/transfer.py", ":material/swap_horiz:", "transfer"),
]
