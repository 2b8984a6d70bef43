"""The journal as text: data in, Markdown out."""
