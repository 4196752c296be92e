"""Use cases: every public function takes the actor first, asks the policy, and scopes by company."""
