"""Member cards: the card page, the PDF card and sheet, and the public QR verification."""
