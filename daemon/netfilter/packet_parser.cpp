// placeholder: replaced by the packet parser
