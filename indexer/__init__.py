"""Turn transcript files into speaker turns and write them into a Whoosh index."""
