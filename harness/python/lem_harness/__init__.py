"""lem's Hugging Face transformers harness: the parts of lem_transformers.py.

Every module here but `generate` uses the standard library only, so that the logic that decides
what lem records (token counts, batches, protocol events) is tested without torch.
`generate` imports torch and transformers and is imported only once they are known to exist.
"""
