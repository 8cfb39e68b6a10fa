package com.example.patterns;

class Worker5Test extends AbstractWorker {}
