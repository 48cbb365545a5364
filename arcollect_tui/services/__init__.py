"""Domain operations.  Each write is one transaction with an audit row; no Textual here."""
