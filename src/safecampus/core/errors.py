class BusinessRuleError(ValueError):
    """A write that breaks a business rule; its message is shown to the user as is (Chinese)."""
