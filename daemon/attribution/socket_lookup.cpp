// placeholder: replaced by the socket lookup
