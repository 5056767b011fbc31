"""Annotators: anonymous identity (signed cookie), versioned terms and consent."""
