"""A sample class for lesson 01, built by the classroom tests."""
