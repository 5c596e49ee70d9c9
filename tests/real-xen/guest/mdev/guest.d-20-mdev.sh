# The guest side of xpi-mdev: copies through the device, checks the bytes.
exec /bin/guest-mdev 0xe0000000
