"""Video decoding and clip sampling."""
