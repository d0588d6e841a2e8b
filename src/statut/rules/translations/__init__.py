"""Message templates of the rules (fr, nl, de, en), held as data; see statut.rules.messages."""
