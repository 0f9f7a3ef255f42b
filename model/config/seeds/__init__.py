"""The seed tables: the sourced starting figures of seeds/, parsed into typed, validated records."""
