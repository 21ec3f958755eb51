"""The rules of the grant lifecycle: entities, state machine, budget and deadline rules, persistence."""
